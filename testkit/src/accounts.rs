//! Users and tokens made straight in a database (SQLite file or
//! PostgreSQL URL), through the server's own storage interface: the way a
//! test or a bench sets up callers before a server runs, or beside one.

use achievements_core::Instant;
use achievements_server::store::{self, Location, OwnedTokenFor};

/// Creates a user and returns a token for them.
///
/// # Panics
/// When the database cannot be opened or refuses the user.
pub fn add_user(location: Location, name: &str, timezone: &str, is_admin: bool, now: Instant) -> String {
    let (name, timezone) = (name.to_owned(), timezone.to_owned());
    on_store(location, async move |store| {
        let user = store
            .create_user(name.clone(), timezone.clone(), is_admin, now)
            .await
            .unwrap_or_else(|e| panic!("user {name} ({timezone}): {e}"));
        store.add_token(OwnedTokenFor::User(user), now).await.expect("a token for the user")
    })
}

/// Creates a service token (the platform's kind of caller) and returns it.
///
/// # Panics
/// When the database cannot be opened.
pub fn add_service(location: Location, name: &str, now: Instant) -> String {
    let name = name.to_owned();
    on_store(location, async move |store| {
        store.add_token(OwnedTokenFor::Service(name), now).await.expect("a service token")
    })
}

/// Runs `f` on a store of its own over `location`, on a thread and
/// runtime of its own: callable from blocking tests and async ones alike.
fn on_store<T: Send + 'static>(location: Location, f: impl AsyncFnOnce(&store::Store) -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the store");
        runtime.block_on(async move {
            let store = store::Store::open(&location).await.unwrap_or_else(|e| panic!("{location}: {e}"));
            let value = f(&store).await;
            store.close().await;
            value
        })
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
