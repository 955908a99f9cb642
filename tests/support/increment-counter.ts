// A child process for the file store's cross-process test: increments a counter object N times
// with If-Match writes, retrying each increment until its write wins.
// Usage: node --import tsx increment-counter.ts DATA_DIR BUCKET KEY N

import { PreconditionFailedError } from '../../lib/core/errors.ts';
import { FileObjectStore } from '../../lib/store/file-store.ts';

const [dataDir, bucket, key, times] = process.argv.slice(2);
const store = new FileObjectStore(dataDir!, bucket!);
for (let i = 0; i < Number(times); i++) {
  for (;;) {
    const got = await store.getText(key!);
    if (!got) throw new Error(`${key} is missing`);
    try {
      await store.put(key!, String(Number(got.text) + 1), { ifMatch: got.etag });
      break;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}
