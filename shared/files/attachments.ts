// Reads attachment contents from S3 for the worker; uploads arrive through the files API.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { AttachmentContent } from "../domain/outgoing-mail.ts";

export type AttachmentLoader = (refs: { filename: string; contentType: string; key: string }[]) => Promise<AttachmentContent[]>;

/** S3 reads one worker runs at once: a batch of jobs with large files must not hold them all in memory together. */
const READS_AT_ONCE = 4;

export function makeAttachmentLoader(s3: S3Client, bucketName: string, readsAtOnce = READS_AT_ONCE): AttachmentLoader {
  const limit = concurrencyLimit(readsAtOnce);
  const read = (key: string) =>
    limit(async () => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    });
  return (refs) => Promise.all(refs.map(async ({ filename, contentType, key }) => ({ filename, contentType, content: await read(key) })));
}

/**
 * A loader for one delivery job: each distinct file is read once, however many of the job's
 * messages (copies of one submission, usually) or one message's list name it. The contents are
 * Buffers, which every copy can share.
 */
export function readEachOnce(load: AttachmentLoader): AttachmentLoader {
  const contents = new Map<string, Promise<AttachmentContent["content"]>>();
  return async (refs) => {
    const unread = [...new Map(refs.filter((ref) => !contents.has(ref.key)).map((ref) => [ref.key, ref])).values()];
    if (unread.length > 0) {
      const loading = load(unread);
      unread.forEach((ref, i) => contents.set(ref.key, loading.then((loaded) => loaded[i].content)));
    }
    return Promise.all(refs.map(async ({ filename, contentType, key }) => ({ filename, contentType, content: await contents.get(key)! })));
  };
}

/** Runs at most `max` tasks at once; the others wait their turn in order. */
function concurrencyLimit(max: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < max) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing task hands its place over
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
