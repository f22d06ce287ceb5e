// dynalite 4 reads Query and Scan results through LevelDB iterators (abstract-level 3, under
// classic-level) and ends each one by calling `iterator.return()`, which those iterators do not
// have: they close with `close()`. So no iterator was ever closed. Each open one stays attached
// to the database and pins the LevelDB memtable and files it started on, and the stand-ins
// process grew past 1 GB over a long run (docs/performance.md, the soak). Giving the iterators
// the `return()` dynalite calls closes each one when its stream ends or is cut short.
import { createRequire } from "node:module";

interface IteratorPrototype {
  close(): Promise<void>;
  return?: () => Promise<{ done: true; value: undefined }>;
}

/** abstract-level as dynalite loads it (through level and classic-level), so the patch reaches its iterators. */
export function abstractLevelOfDynalite(): {
  AbstractLevel: { prototype: { attachResource(resource: object): void; detachResource(resource: object): void } };
  AbstractIterator: { prototype: object };
} {
  const fromHere = createRequire(import.meta.url);
  const fromDynalite = createRequire(fromHere.resolve("dynalite"));
  const fromLevel = createRequire(fromDynalite.resolve("level"));
  const fromClassicLevel = createRequire(fromLevel.resolve("classic-level"));
  return fromClassicLevel("abstract-level");
}

/** Idempotent. Call before dynalite opens its database. */
export function closeDynaliteIteratorsOnReturn(): void {
  const { AbstractIterator } = abstractLevelOfDynalite();
  // The common base of entry, key and value iterators (value iterators are what Query and Scan use).
  const common = Object.getPrototypeOf(AbstractIterator.prototype) as IteratorPrototype;
  if (typeof common.return === "function") return;
  Object.defineProperty(common, "return", {
    configurable: true,
    writable: true,
    value: async function (this: IteratorPrototype) {
      await this.close();
      return { done: true as const, value: undefined };
    },
  });
}
