// Bundled into every Lambda in place of the `debug` package: a logger that is always off. Why
// that is safe: cdk/lambda-bundling.ts.
interface Debugger {
  (...args: unknown[]): void;
  enabled: boolean;
  namespace: string;
  extend(suffix: string): Debugger;
}

export default function createDebug(namespace: string): Debugger {
  return Object.assign(() => {}, { enabled: false, namespace, extend: (suffix: string) => createDebug(`${namespace}:${suffix}`) });
}
