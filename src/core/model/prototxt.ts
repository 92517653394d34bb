/**
 * A small reader for Caffe's protobuf text format (`deploy.prototxt`), enough for network definitions:
 * `key: value` pairs and `key { ... }` blocks, where a key may repeat (e.g. `bottom`, `layer`).
 */

export type ProtoValue = string | number | ProtoMessage;
export interface ProtoMessage {
  [key: string]: ProtoValue[];
}

export class PrototxtSyntaxError extends Error {
  override name = 'PrototxtSyntaxError';
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:#[^\n]*|("(?:[^"\\]|\\.)*")|([{}:])|([^\s{}:#"]+))/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    const tok = m[1] ?? m[2] ?? m[3];
    if (tok !== undefined) tokens.push(tok);
  }
  return tokens;
}

function scalar(tok: string): string | number {
  if (tok.startsWith('"')) return tok.slice(1, -1);
  const n = Number(tok);
  return Number.isFinite(n) ? n : tok;
}

export function parsePrototxt(text: string): ProtoMessage {
  const tokens = tokenize(text);
  let i = 0;
  const parseMessage = (closing: boolean): ProtoMessage => {
    const msg: ProtoMessage = {};
    while (i < tokens.length) {
      const key = tokens[i++];
      if (key === '}') {
        if (!closing) throw new PrototxtSyntaxError(`unexpected '}' at token ${i}`);
        return msg;
      }
      let value: ProtoValue;
      if (tokens[i] === ':') {
        i++;
        if (tokens[i] === '{') {
          i++;
          value = parseMessage(true);
        } else {
          value = scalar(tokens[i++]);
        }
      } else if (tokens[i] === '{') {
        i++;
        value = parseMessage(true);
      } else {
        throw new PrototxtSyntaxError(`expected ':' or '{' after '${key}', got '${tokens[i]}'`);
      }
      (msg[key] ??= []).push(value);
    }
    if (closing) throw new PrototxtSyntaxError('unexpected end of file: a block is not closed');
    return msg;
  };
  return parseMessage(false);
}

/** The fields of one Caffe layer that a converter needs. */
export interface CaffeLayer {
  name: string;
  type: string;
  bottom: string[];
  top: string[];
  /** The layer's `xxx_param` block, if any (convolution_param, pooling_param, lrn_param, ...). */
  param: ProtoMessage;
}

export function caffeLayers(net: ProtoMessage): CaffeLayer[] {
  return (net.layer ?? []).map((l) => {
    const layer = l as ProtoMessage;
    const paramKey = Object.keys(layer).find((k) => k.endsWith('_param') && k !== 'param');
    return {
      name: String(layer.name?.[0]),
      type: String(layer.type?.[0]),
      bottom: (layer.bottom ?? []).map(String),
      top: (layer.top ?? []).map(String),
      param: paramKey ? (layer[paramKey][0] as ProtoMessage) : {},
    };
  });
}

/** First value of a field as a number, or the default. */
export function num(msg: ProtoMessage, key: string, dflt: number): number {
  const v = msg[key]?.[0];
  return typeof v === 'number' ? v : dflt;
}

/** First value of a field as a string (enums such as `MAX`), or the default. */
export function str(msg: ProtoMessage, key: string, dflt: string): string {
  const v = msg[key]?.[0];
  return v === undefined ? dflt : String(v);
}
