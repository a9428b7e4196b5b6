/**
 * The database schema as an ordered list of migrations; `PRAGMA user_version` is the number
 * applied. A database from a newer parevm (higher version) is refused, never guessed at.
 */
export const MIGRATIONS: string[] = [
  // 1: chain identity, blocks with their replay inputs, canonical receipts, witnesses, runs.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE blocks (
    number      INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    parent_hash TEXT NOT NULL,
    timestamp   INTEGER NOT NULL,
    tx_count    INTEGER NOT NULL,
    gas_used    INTEGER NOT NULL,
    body        BLOB NOT NULL,   -- gzip(JSON): eth_getBlockByNumber(n, true)
    ommers      BLOB,            -- gzip(JSON): [{number, coinbase}] when known
    source      TEXT NOT NULL
  );
  -- The state as of the parent block, for everything the block touches: gzip(JSON).
  CREATE TABLE prestate (
    block INTEGER PRIMARY KEY REFERENCES blocks(number) ON DELETE CASCADE,
    data  BLOB NOT NULL,
    code_hashes TEXT NOT NULL   -- JSON list: the code the block may run
  );
  CREATE TABLE code (hash TEXT PRIMARY KEY, code BLOB NOT NULL) WITHOUT ROWID;
  -- Canonical hashes of ancestors (BLOCKHASH) and of stored blocks.
  CREATE TABLE block_hashes (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
  CREATE TABLE receipts (
    block INTEGER PRIMARY KEY REFERENCES blocks(number) ON DELETE CASCADE,
    data  BLOB NOT NULL      -- gzip(JSON): eth_getBlockReceipts
  );
  CREATE TABLE witnesses (
    block INTEGER PRIMARY KEY REFERENCES blocks(number) ON DELETE CASCADE,
    kind  TEXT NOT NULL,     -- 'proofs' | 'execution-witness'
    data  BLOB NOT NULL      -- gzip(JSON)
  );
  CREATE TABLE traces (
    block INTEGER PRIMARY KEY REFERENCES blocks(number) ON DELETE CASCADE,
    data  BLOB NOT NULL      -- gzip(JSON): prestateTracer diffMode per transaction
  );
  CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    mode        TEXT NOT NULL,
    workers     INTEGER NOT NULL,
    from_block  INTEGER,
    to_block    INTEGER,
    status      TEXT NOT NULL,   -- 'running' | 'done' | 'failed'
    summary     TEXT
  );
  CREATE TABLE results (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    block      INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    tx_count   INTEGER NOT NULL,
    gas_used   INTEGER NOT NULL,
    checks     TEXT NOT NULL,
    unchecked  TEXT NOT NULL,
    mismatches TEXT NOT NULL,
    digest     TEXT NOT NULL,
    seconds    REAL NOT NULL,
    stats      TEXT,
    PRIMARY KEY (run_id, block)
  );
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
