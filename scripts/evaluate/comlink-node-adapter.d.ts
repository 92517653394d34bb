/** comlink's Node adapter is imported by file (the package has no exports map); its types sit beside it as .d.ts. */
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/esm/node-adapter';
  export default nodeEndpoint;
}
