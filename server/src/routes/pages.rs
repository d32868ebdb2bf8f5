//! Pagination, as Django REST's `PageNumberPagination` does it: a list
//! that grows takes `?page=N&page_size=M` (page 1 and 100 items by
//! default, at most 1,000 a page: a larger `page_size` is lowered to
//! 1,000, as DRF's `max_page_size` does) and answers
//! `{"count", "next", "previous", "results"}`.
//!
//! `next` and `previous` are the request's own path and query with `page`
//! changed (`previous` of page 2 drops `page`, as DRF does). They are
//! origin-relative (`/api/v1/notifications/?page=2`), never built from the
//! `Host` header, which any client may forge: a browser or any HTTP client
//! resolves them against the URL it called.

use crate::api_error::ApiError;
use axum::http::Uri;
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

/// Items a page holds when `page_size` is not given.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 100;
/// The most items a page holds.
pub(crate) const MAX_PAGE_SIZE: u64 = 1_000;

/// `?page=N&page_size=M`, as the query string gives them.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page, from 1 [default: 1].
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items a page [default: 100; at most 1000, a larger value is lowered to 1000].
    #[param(minimum = 1)]
    pub page_size: Option<u64>,
}

/// A page of a list: which one, and how many items a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    /// From 1.
    pub number: u64,
    /// From 1 to [`MAX_PAGE_SIZE`].
    pub size: u64,
}

impl Page {
    /// The page a query asks for.
    ///
    /// # Errors
    /// 400 `invalid_query` for `page=0` or `page_size=0`.
    pub(crate) fn from_query(query: &PageQuery) -> Result<Page, ApiError> {
        let number = query.page.unwrap_or(1);
        if number == 0 {
            return Err(ApiError::InvalidQuery("Invalid query string: `page` counts from 1.".into()));
        }
        let size = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if size == 0 {
            return Err(ApiError::InvalidQuery("Invalid query string: `page_size` must be at least 1.".into()));
        }
        Ok(Page { number, size: size.min(MAX_PAGE_SIZE) })
    }

    /// How many items come before this page.
    pub(crate) fn offset(self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// This page of a list held whole in memory.
    pub(crate) fn slice<T>(self, all: &[T]) -> &[T] {
        let start = usize::try_from(self.offset()).unwrap_or(usize::MAX).min(all.len());
        let end = start.saturating_add(usize::try_from(self.size).unwrap_or(usize::MAX)).min(all.len());
        &all[start..end]
    }

    /// Checks that the page exists for a list of `count` items: page 1
    /// always does (possibly empty), a later one only if it holds an item.
    ///
    /// # Errors
    /// 404 `not_found` ("Invalid page."), as DRF answers.
    pub(crate) fn check(self, count: u64) -> Result<(), ApiError> {
        if self.number > 1 && self.offset() >= count {
            return Err(ApiError::NotFound("Invalid page.".into()));
        }
        Ok(())
    }
}

/// A paginated answer.
#[derive(Debug, Serialize)]
pub(crate) struct Paginated<T> {
    /// Items in the whole list.
    pub count: u64,
    /// The next page's URL, origin-relative; `null` on the last page.
    pub next: Option<String>,
    /// The previous page's URL, origin-relative; `null` on the first page.
    pub previous: Option<String>,
    pub results: Vec<T>,
}

impl<T> Paginated<T> {
    /// Page `page` of a list of `count` items, requested at `uri`.
    pub(crate) fn new(uri: &Uri, page: Page, count: u64, results: Vec<T>) -> Self {
        let next = (page.offset().saturating_add(page.size) < count).then(|| link(uri, Some(page.number + 1)));
        let previous = (page.number > 1).then(|| link(uri, (page.number > 2).then_some(page.number - 1)));
        Paginated { count, next, previous, results }
    }
}

/// The request's path and query with `page` set to `number` (or removed).
fn link(uri: &Uri, number: Option<u64>) -> String {
    let mut pairs: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            percent_decode_str(&key.replace('+', " ")).decode_utf8_lossy() != "page"
        })
        .map(str::to_owned)
        .collect();
    if let Some(number) = number {
        pairs.push(format!("page={number}"));
    }
    if pairs.is_empty() { uri.path().to_owned() } else { format!("{}?{}", uri.path(), pairs.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page: Option<u64>, page_size: Option<u64>) -> Result<Page, u16> {
        Page::from_query(&PageQuery { page, page_size }).map_err(|e| e.status().as_u16())
    }

    #[test]
    fn pages_default_and_are_bounded() {
        assert_eq!(page(None, None), Ok(Page { number: 1, size: 100 }));
        assert_eq!(page(Some(3), Some(5_000)), Ok(Page { number: 3, size: 1_000 }));
        assert_eq!(page(Some(0), None), Err(400));
        assert_eq!(page(None, Some(0)), Err(400));
        assert_eq!(Page { number: u64::MAX, size: 1_000 }.offset(), u64::MAX);
    }

    #[test]
    fn a_page_past_the_end_is_not_found_but_an_empty_first_page_is_fine() {
        assert!(Page { number: 1, size: 10 }.check(0).is_ok());
        assert!(Page { number: 2, size: 10 }.check(11).is_ok());
        assert!(Page { number: 2, size: 10 }.check(10).is_err());
        let all: Vec<u32> = (0..25).collect();
        assert_eq!(Page { number: 3, size: 10 }.slice(&all), &[20, 21, 22, 23, 24]);
        assert!(Page { number: u64::MAX, size: 1_000 }.slice(&all).is_empty());
    }

    #[test]
    fn links_keep_the_other_parameters_and_change_the_page() {
        let uri: Uri = "/api/v1/notifications/?unread=true&page=2&page_size=10".parse().expect("a URI");
        let answer = Paginated::new(&uri, Page { number: 2, size: 10 }, 35, vec![0; 10]);
        assert_eq!(answer.next.as_deref(), Some("/api/v1/notifications/?unread=true&page_size=10&page=3"));
        assert_eq!(answer.previous.as_deref(), Some("/api/v1/notifications/?unread=true&page_size=10"));
        let last = Paginated::new(&uri, Page { number: 4, size: 10 }, 35, vec![0; 5]);
        assert_eq!(last.next, None);
        assert_eq!(last.previous.as_deref(), Some("/api/v1/notifications/?unread=true&page_size=10&page=3"));
        let first: Uri = "/api/v1/admin/users/".parse().expect("a URI");
        let only = Paginated::new(&first, Page { number: 1, size: 100 }, 3, vec![0; 3]);
        assert_eq!((only.next, only.previous), (None, None));
        let encoded: Uri = "/x/?%70age=2".parse().expect("a URI");
        assert_eq!(link(&encoded, Some(3)), "/x/?page=3");
    }
}
