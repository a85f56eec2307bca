"""The blueprint: JSON API, admin pages, CSRF, OpenAPI document, templates and static files."""
