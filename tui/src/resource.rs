//! The documents the app syncs from the server: their API paths, the names
//! the cache stores them under, and which need a user. Its own module
//! because both [`crate::sync`] (what to fetch) and [`crate::cache`] (what
//! is stored) key by it, and neither should depend on the other for it.

use std::fmt;

/// One document the app syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Me,
    Catalog,
    Achievements,
    Earned,
    Notifications,
}

impl Resource {
    /// In the order a full sync fetches them.
    pub const ALL: [Resource; 5] =
        [Resource::Me, Resource::Catalog, Resource::Achievements, Resource::Earned, Resource::Notifications];

    /// The name the cache stores it under.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Me => "me",
            Resource::Catalog => "catalog",
            Resource::Achievements => "achievements",
            Resource::Earned => "earned",
            Resource::Notifications => "notifications",
        }
    }

    /// The API path, relative to the server's base URL.
    pub fn path(self) -> &'static str {
        match self {
            Resource::Me => "/api/v1/me/",
            Resource::Catalog => "/api/v1/achievements/catalog/",
            Resource::Achievements => "/api/v1/achievements/",
            // Both lists are paginated: one page of the most a page holds
            // (1,000) has every badge of a catalog up to that size, and the
            // newest 1,000 notifications, unread first.
            Resource::Earned => "/api/v1/achievements/earned/?page_size=1000",
            Resource::Notifications => "/api/v1/notifications/?page_size=1000",
        }
    }

    /// Only meaningful with a user's token.
    pub fn needs_user(self) -> bool {
        matches!(self, Resource::Me | Resource::Earned | Resource::Notifications)
    }

    /// A 404 means "this server does not have it", not a failure.
    pub fn optional(self) -> bool {
        self == Resource::Notifications
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}
