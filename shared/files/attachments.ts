// Reads attachment contents from S3 for the worker; uploads arrive through the files API.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { AttachmentContent } from "../transport/transport.ts";

export type AttachmentLoader = (refs: { filename: string; contentType: string; key: string }[]) => Promise<AttachmentContent[]>;

export function makeAttachmentLoader(s3: S3Client, bucketName: string): AttachmentLoader {
  return (refs) =>
    Promise.all(
      refs.map(async ({ filename, contentType, key }) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
        return { filename, contentType, content: Buffer.from(await object.Body!.transformToByteArray()) };
      }),
    );
}
