// The local SMTP door's certificate: self-signed, made on first start under the data directory
// and reused afterwards, so a client told to trust it once keeps working. ECDSA P-256: cheap
// handshakes, which matters for clients that open a connection per message.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import selfsigned from "selfsigned";

export interface LocalTls {
  key: string;
  cert: string;
  certFile: string;
}

const YEARS = 10;

export async function localTlsCertificate(dataDir: string): Promise<LocalTls> {
  const dir = path.join(dataDir, "tls");
  const certFile = path.join(dir, "smtp-cert.pem");
  const keyFile = path.join(dir, "smtp-key.pem");
  const [cert, key] = await Promise.all([readFile(certFile, "utf8").catch(() => ""), readFile(keyFile, "utf8").catch(() => "")]);
  if (cert && key) return { cert, key, certFile };

  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + YEARS);
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private, certFile };
}
