// A line-level SMTP client over a raw socket, for what nodemailer will not do: garbage,
// pipelining, early hang-ups, sessions from another loopback address.
import net from "node:net";
import tls from "node:tls";

export interface RawSessionOptions {
  implicitTls?: boolean;
  /** The certificate to trust (the door's self-signed one). */
  ca?: string;
  /** Another loopback address (such as 127.0.0.2) makes the session come from another client address. */
  localAddress?: string;
}

export class RawSession {
  private buffer = "";
  private waiting: (() => void) | undefined;
  closed = false;
  greeting = "";

  private constructor(public socket: net.Socket) {
    this.listen();
  }

  static async open(port: number, options: RawSessionOptions = {}): Promise<RawSession> {
    const tcp = net.connect({ port, host: "127.0.0.1", localAddress: options.localAddress });
    const socket = options.implicitTls ? tls.connect({ socket: tcp, ca: options.ca, servername: "localhost" }) : tcp;
    await new Promise<void>((resolve, reject) =>
      socket.once(options.implicitTls ? "secureConnect" : "connect", () => resolve()).once("error", reject),
    );
    const session = new RawSession(socket);
    session.greeting = await session.reply();
    return session;
  }

  private listen() {
    this.socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      this.waiting?.();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
    this.socket.on("error", () => undefined);
  }

  /** One whole reply (all lines of a multi-line one), or "" when the server hung up; throws when none comes within `timeoutMs`. */
  async reply(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = /(?:^|\r\n)\d{3} [^\r\n]*\r\n/.exec(this.buffer);
      if (end) {
        const cut = end.index + end[0].length;
        const text = this.buffer.slice(0, cut).trim();
        this.buffer = this.buffer.slice(cut);
        return text;
      }
      if (this.closed) return "";
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (received so far: ${JSON.stringify(this.buffer.slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  write(data: string | Buffer) {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  async command(line: string | Buffer): Promise<string> {
    this.write(typeof line === "string" ? `${line}\r\n` : Buffer.concat([line, Buffer.from("\r\n")]));
    return this.reply();
  }

  async startTls(ca: string) {
    const answer = await this.command("STARTTLS");
    if (!answer.startsWith("220")) throw new Error(`STARTTLS refused: ${answer}`);
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("close");
    const secure = tls.connect({ socket: this.socket, ca, servername: "localhost" });
    await new Promise<void>((resolve, reject) => secure.once("secureConnect", () => resolve()).once("error", reject));
    this.socket = secure;
    this.listen();
  }

  async login(user: string, pass: string): Promise<string> {
    return this.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`);
  }

  destroy() {
    this.socket.destroy();
  }
}
