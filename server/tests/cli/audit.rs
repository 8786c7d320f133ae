use super::*;
use tessera_backend::both_engines;

/// Runs statements the way someone with only database access would.
async fn sql(cli: &Cli, statements: &[&str]) {
    match cli.db.engine() {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&cli.db.url).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&cli.db.url).await.unwrap();
            for statement in statements {
                sqlx::query(statement).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

async fn row_hash(cli: &Cli, seq: i64) -> String {
    let query = "SELECT hash FROM audit_log WHERE seq = $1";
    match cli.db.engine() {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&cli.db.url).await.unwrap();
            sqlx::query_scalar(query)
                .bind(seq)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&cli.db.url).await.unwrap();
            sqlx::query_scalar(query)
                .bind(seq)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    }
}

/// Runs `tessera audit verify` and requires exit 1; returns stderr.
fn refused(cli: &Cli) -> String {
    let out = cli.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn audit_verify_has_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["audit", "verify", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Usage:"));
}

both_engines! {
    async fn audit_verify_exits_0_when_intact_and_1_naming_a_rewritten_row(cli: &Cli) {
        for kid in ["k1", "k2", "k3"] {
            cli.ok(&["keys", "generate", "--kid", kid]);
        }
        assert_eq!(cli.ok(&["audit", "verify"]), "audit chain intact: 3 rows\n");
        assert!(cli.db.data_dir.join("audit.anchor").exists(), "the anchor was written");

        sql(cli, &[r#"UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = 2"#]).await;
        let stderr = refused(cli);
        assert!(stderr.contains("seq 2") && stderr.contains("content changed"), "{stderr}");
    }

    async fn audit_verify_catches_deleted_newest_rows_through_its_anchor(cli: &Cli) {
        for kid in ["k1", "k2", "k3"] {
            cli.ok(&["keys", "generate", "--kid", kid]);
        }
        cli.ok(&["audit", "verify"]);
        let second = row_hash(cli, 2).await;
        let rewind = format!("UPDATE audit_head SET seq = 2, hash = '{second}' WHERE id = 1");
        sql(cli, &["DELETE FROM audit_log WHERE seq = 3", &rewind]).await;
        let stderr = refused(cli);
        assert!(stderr.contains("seq 3") && stderr.contains("anchored head"), "{stderr}");
    }
}
