// The records the local DNS stand-in serves (local/dns-standin.ts), kept in .data/dns-zone.json.
// `npm start` publishes the development domain's records here, and `npm run admin -- dns
// publish|remove` a domain's, as its owner would at a DNS host.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export interface ZoneRecord {
  name: string;
  type: "TXT" | "MX" | "CNAME";
  value: string;
  priority?: number;
}

export const zoneFile = (dataDir: string) => path.join(dataDir, "dns-zone.json");

const sameName = (a: string, b: string) => a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");

export async function readZone(dataDir: string): Promise<ZoneRecord[]> {
  try {
    return JSON.parse(await readFile(zoneFile(dataDir), "utf8")) as ZoneRecord[];
  } catch {
    return [];
  }
}

async function writeZone(dataDir: string, records: ZoneRecord[]) {
  const file = zoneFile(dataDir);
  // Aside, then renamed: the stand-in never reads half a file.
  await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(records, null, 2));
  await rename(`${file}.${process.pid}.tmp`, file);
}

/** Publishes records; each replaces what the zone held at the same name and type. */
export async function publishRecords(dataDir: string, records: ZoneRecord[]): Promise<ZoneRecord[]> {
  const zone = await readZone(dataDir);
  const kept = zone.filter((old) => !records.some((r) => sameName(r.name, old.name) && r.type === old.type));
  await writeZone(dataDir, [
    ...kept,
    ...records.map(({ name, type, value, priority }) => ({ name: name.toLowerCase(), type, value, priority })),
  ]);
  return records;
}

/** Removes the records at these names (of this type, when given); returns what was removed. */
export async function removeRecords(dataDir: string, names: string[], type?: ZoneRecord["type"]): Promise<ZoneRecord[]> {
  const zone = await readZone(dataDir);
  const removed = zone.filter((r) => names.some((name) => sameName(name, r.name)) && (!type || r.type === type));
  await writeZone(
    dataDir,
    zone.filter((r) => !removed.includes(r)),
  );
  return removed;
}

/** The records at a name, for the stand-in. */
export const recordsAt = (zone: ZoneRecord[], name: string) => zone.filter((r) => sameName(r.name, name));

/** A domain's records as a DNS host holds them. */
export const zoneRecordsOf = (records: { type: ZoneRecord["type"]; name: string; value: string; priority?: number }[]): ZoneRecord[] =>
  records.map(({ type, name, value, priority }) => ({ type, name, value, ...(priority !== undefined ? { priority } : {}) }));
