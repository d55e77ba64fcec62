// A fresh PostgreSQL database per peer and run (bench_<peer>_<random>), dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { onCleanup } from "./cleanup.ts";

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TempDatabase { name: string; url: string; drop(): Promise<void> }

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

export async function createDatabase(peer: string): Promise<TempDatabase> {
  const name = `bench_${peer.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  // Registered before it exists, so an interrupt during CREATE still drops it.
  const drop = onCleanup(() => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop };
}

export async function serverVersion(): Promise<string> {
  try {
    return await admin(async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "?");
  } catch { return "unavailable"; }
}
