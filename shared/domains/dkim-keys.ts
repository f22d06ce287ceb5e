// DKIM keys: a 2048-bit RSA pair made for each domain. The private key is kept only encrypted,
// by envelope encryption: a fresh data key (AES-256-GCM) encrypts the key, and the
// key-encryption key (DKIM_KEY_ENCRYPTION_KEY, docs/configuration.md) encrypts the data key. So
// the secret itself never encrypts much, and moving to another key-encryption key (or to KMS)
// re-wraps data keys without touching the private keys.
import { createCipheriv, createDecipheriv, generateKeyPair, hkdfSync, randomBytes } from "node:crypto";
import { promisify } from "node:util";

const generate = promisify(generateKeyPair);
const FORMAT = "v1";

export interface DkimKeyPair {
  /** Base64 of the SubjectPublicKeyInfo (DER): the `p=` of the DKIM record. */
  publicKey: string;
  privateKeyPem: string;
}

export async function makeDkimKeyPair(): Promise<DkimKeyPair> {
  const { publicKey, privateKey } = await generate("rsa", { modulusLength: 2048 });
  return {
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** The DKIM record's text for a public key. */
export const dkimRecordText = (publicKey: string) => `v=DKIM1; k=rsa; p=${publicKey}`;

function seal(key: Buffer, plain: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString("base64url")).join(".");
}

function open(key: Buffer, text: string): Buffer {
  const [iv, tag, sealed] = text.split(".").map((part) => Buffer.from(part, "base64url"));
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed), decipher.final()]);
}

export interface KeySealer {
  seal(privateKeyPem: string): string;
  open(sealed: string): string;
}

/**
 * Encrypts and decrypts private keys with the key-encryption key derived from the secret (any
 * text of 32 characters or more: HKDF-SHA256 makes the AES-256 key of it). Without a secret
 * every use fails with a message that names the setting.
 */
export function makeKeySealer(secretOrGetter: string | undefined | (() => string | undefined)): KeySealer {
  const kek = () => {
    // A getter: on AWS the secret arrives (or rotates) after the sealer is built.
    const secret = typeof secretOrGetter === "function" ? secretOrGetter() : secretOrGetter;
    if (!secret) throw new Error("DKIM_KEY_ENCRYPTION_KEY is not set: DKIM keys cannot be made or read");
    return Buffer.from(hkdfSync("sha256", secret, "posthaste", "dkim key encryption", 32));
  };
  return {
    seal(privateKeyPem) {
      const dataKey = randomBytes(32);
      return [FORMAT, seal(kek(), dataKey), seal(dataKey, Buffer.from(privateKeyPem))].join(":");
    },
    open(sealed) {
      const [format, wrappedKey, sealedKey] = sealed.split(":");
      if (format !== FORMAT) throw new Error(`unknown sealed key format ${format}`);
      return open(open(kek(), wrappedKey), sealedKey).toString();
    },
  };
}
