//! Web forms: staff define them (`/forms`), websites show and post them (`/public/forms`),
//! or paste one `<script>` tag that renders them (`embed.js`).

pub mod admin;
pub mod cors;
pub mod public;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    admin::configure(cfg);
    public::configure(cfg);
}
