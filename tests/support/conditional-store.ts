// MemoryStore that honours create-only writes (If-None-Match: *) as S3 does, answering 412.

import type { PutOptions } from '../../lib/storage.ts';
import { MemoryStore } from './memory-store.ts';

export class ConditionalStore extends MemoryStore {
  override async put(key: string, body: string | Uint8Array, options?: PutOptions) {
    if (options?.ifNoneMatch === '*' && this.objects.has(key)) {
      throw Object.assign(new Error('PreconditionFailed'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    }
    return super.put(key, body, options);
  }
}
