//! The saved state on disk: one SQLite database, `<data-dir>/state/world.db`, with a row
//! per entity (a role, a service account, a pod…) and the fingerprint of the world file it
//! grew from. A change writes only the rows it touched, in one transaction.
//!
//! Why SQLite (through `rusqlite`, built in): a write costs one small transaction
//! whatever the size of the world; WAL mode with `synchronous = FULL` makes a committed
//! transaction survive `kill -9` and a power cut; other processes on the same data dir
//! (`irsa-local token`, `decode`, `mutate` while `serve` runs) read a consistent state
//! while the server writes; and the format is one any `sqlite3` shell can open. The
//! server never reads it after start: readers use the in-memory snapshot, so a reader
//! never waits for the disk.
//!
//! Rows keep their insertion order (`seq`): an update keeps an entity's place, a new one
//! goes last, so the world loads back in the order the lists had.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};

use crate::world::diff::{Entity, Kind};

/// The state format this version writes; a database with another is refused, not misread.
const FORMAT: &str = "2";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entity (
    seq  INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (kind, key)
);
";

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("state format {found:?} is not the {FORMAT} this version writes")]
    Format { found: String },
    #[error("row {kind}/{key}: {problem}")]
    Row {
        kind: String,
        key: String,
        problem: &'static str,
    },
}

/// What the database holds: the world in the world file's JSON form, and the fingerprint
/// of the world file it grew from.
#[derive(Debug)]
pub struct Saved {
    pub world: Value,
    pub base_fingerprint: String,
}

/// One open connection, owned by the store's writer.
#[derive(Debug)]
pub struct Db {
    connection: Connection,
}

/// One change to write: rows to put (as they now are) and rows to delete.
pub struct Rows<'a> {
    pub put: Vec<(Kind, String, Value)>,
    pub delete: std::borrow::Cow<'a, [(Kind, String)]>,
}

impl Db {
    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let connection = Connection::open(path)?;
        // Another process on the same data dir may hold the write lock for a moment.
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self { connection })
    }

    /// Opens an existing database to read it only (`irsa-local state export`).
    pub fn open_read_only(path: &Path) -> Result<Self, DbError> {
        let connection =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Self { connection })
    }

    /// The saved world, or `None` for a database that holds none yet.
    pub fn load(&self) -> Result<Option<Saved>, DbError> {
        let Some(format) = self.meta("format")? else {
            return Ok(None);
        };
        if format != FORMAT {
            return Err(DbError::Format { found: format });
        }
        let base_fingerprint = self.meta("baseFingerprint")?.unwrap_or_default();
        let mut statement = self
            .connection
            .prepare("SELECT kind, key, body FROM entity ORDER BY seq")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut world = Assembly::default();
        for row in rows {
            let (kind, key, body) = row?;
            let Some(kind_of) = Kind::from_name(&kind) else {
                return Err(DbError::Row {
                    kind,
                    key,
                    problem: "unknown kind",
                });
            };
            let body: Value = serde_json::from_str(&body)?;
            world
                .add(kind_of, &key, body)
                .map_err(|problem| DbError::Row { kind, key, problem })?;
        }
        Ok(Some(Saved {
            world: world.finish(),
            base_fingerprint,
        }))
    }

    /// Writes one change in one transaction: the rows, and the fingerprint of the world
    /// file the state grew from.
    pub fn write(&mut self, rows: &Rows<'_>, base_fingerprint: &str) -> Result<(), DbError> {
        let transaction = self.connection.transaction()?;
        put_meta(&transaction, "format", FORMAT)?;
        put_meta(&transaction, "baseFingerprint", base_fingerprint)?;
        {
            let mut delete =
                transaction.prepare_cached("DELETE FROM entity WHERE kind = ?1 AND key = ?2")?;
            for (kind, key) in rows.delete.iter() {
                delete.execute(params![kind.name(), key])?;
            }
            let mut put = transaction.prepare_cached(
                "INSERT INTO entity (kind, key, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
            )?;
            for (kind, key, body) in &rows.put {
                put.execute(params![kind.name(), key, serde_json::to_string(body)?])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }
}

fn put_meta(transaction: &Transaction<'_>, key: &str, value: &str) -> Result<(), DbError> {
    transaction
        .prepare_cached(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![key, value])?;
    Ok(())
}

/// The row of an entity: its kind, key and JSON.
pub fn row(entity: &Entity<'_>) -> Result<(Kind, String, Value), serde_json::Error> {
    Ok((entity.kind(), entity.key(), entity.to_json()?))
}

/// The world file's JSON form, put together from rows in their order.
#[derive(Default)]
struct Assembly {
    account: Option<Value>,
    lists: Map<String, Value>,
    /// Each cluster's own fields, in order, then its children by list.
    clusters: Vec<(String, Map<String, Value>)>,
}

impl Assembly {
    fn add(&mut self, kind: Kind, key: &str, body: Value) -> Result<(), &'static str> {
        let list = match kind {
            Kind::Account => {
                self.account = Some(body);
                return Ok(());
            }
            Kind::Cluster => {
                let Value::Object(fields) = body else {
                    return Err("a cluster row must hold an object");
                };
                self.clusters.push((key.to_owned(), fields));
                return Ok(());
            }
            Kind::ServiceAccount | Kind::Namespace | Kind::Pod | Kind::PodIdentityAssociation => {
                let (cluster, _) = key
                    .split_once('/')
                    .ok_or("the key must start with the cluster's name")?;
                let (_, fields) = self
                    .clusters
                    .iter_mut()
                    .find(|(name, _)| name == cluster)
                    .ok_or("no such cluster (a cluster's row comes before its children)")?;
                let field = match kind {
                    Kind::ServiceAccount => "serviceAccounts",
                    Kind::Namespace => "namespaces",
                    Kind::PodIdentityAssociation => "podIdentityAssociations",
                    _ => "pods",
                };
                push(fields, field, body);
                return Ok(());
            }
            Kind::AdminCredential => "adminCredentials",
            Kind::OidcProvider => "oidcProviders",
            Kind::ManagedPolicy => "managedPolicies",
            Kind::Role => "roles",
            Kind::Bucket => "buckets",
        };
        push(&mut self.lists, list, body);
        Ok(())
    }

    fn finish(self) -> Value {
        let mut world = Map::new();
        world.insert("account".to_owned(), self.account.unwrap_or(Value::Null));
        world.insert(
            "clusters".to_owned(),
            Value::Array(
                self.clusters
                    .into_iter()
                    .map(|(_, fields)| Value::Object(fields))
                    .collect(),
            ),
        );
        world.extend(self.lists);
        Value::Object(world)
    }
}

fn push(object: &mut Map<String, Value>, field: &str, item: Value) {
    if let Value::Array(items) = object
        .entry(field)
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        items.push(item);
    }
}
