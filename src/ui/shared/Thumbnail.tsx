import { useEffect, useState } from 'react';
import { thumbnails } from '../../state/thumbnails';

/** A dataset image's thumbnail, read from the project's storage when it is shown. */
export function Thumbnail({ id, alt }: { id: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let shown = true;
    void thumbnails().url(id).then((u) => { if (shown) setUrl(u); });
    return () => { shown = false; };
  }, [id]);
  return url
    ? <img src={url} alt={alt} decoding="async" />
    : <span className="thumb-placeholder" role="img" aria-label={alt} />;
}
