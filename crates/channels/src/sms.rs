//! SMS out through an HTTP gateway: one request per message, its body rendered from the
//! configured template with `to` (E.164) and `text`.

use minijinja::{Environment, UndefinedBehavior, context};
use reqwest::Method;
use servdesk_domain::messages::Message;
use servdesk_usecases::config::SmsSettings;

use super::DeliveryError;

pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    method: Method,
    settings: SmsSettings,
}

impl SmsGateway {
    pub fn new(settings: &SmsSettings, url: &str) -> Result<Self, String> {
        let method = Method::from_bytes(settings.method.as_bytes()).map_err(|e| format!("SERVDESK_SMS_METHOD: {e}"))?;
        render_body(&settings.body_template, "+10000000000", "check").map_err(|e| format!("SERVDESK_SMS_BODY: {e}"))?;
        let client = reqwest::Client::builder().timeout(settings.timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { client, url: url.to_owned(), method, settings: settings.clone() })
    }

    pub async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let body = render_body(&self.settings.body_template, &message.to_address, &message.body_text)
            .map_err(|e| DeliveryError::permanent(format!("the SMS body template failed: {e}")))?;
        let mut request = self
            .client
            .request(self.method.clone(), &self.url)
            .header(reqwest::header::CONTENT_TYPE, &self.settings.content_type)
            .body(body);
        if let Some((name, value)) = &self.settings.auth_header {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.map_err(|e| DeliveryError::transient(format!("SMS gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text: String = response.text().await.unwrap_or_default().chars().take(500).collect();
        let answer = format!("SMS gateway answered {status}: {text}");
        // The gateway refused this message (bad number, no credit is a 402…): retrying the
        // same request will not help. Timeouts, throttling and server errors may pass.
        let transient =
            status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS || status == reqwest::StatusCode::REQUEST_TIMEOUT;
        Err(if transient { DeliveryError::transient(answer) } else { DeliveryError::permanent(answer) })
    }
}

fn render_body(template: &str, to: &str, text: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.render_str(template, context! { to => to, text => text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_body_is_json_with_the_text_escaped() {
        let body = render_body(&SmsSettings::default().body_template, "+38640111222", "Say \"hi\"\nnow").unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed, serde_json::json!({"to": "+38640111222", "text": "Say \"hi\"\nnow"}));
    }

    #[test]
    fn a_form_body_can_be_configured() {
        let body = render_body("to={{ to|urlencode }}&msg={{ text|urlencode }}", "+386", "a b").unwrap();
        assert_eq!(body, "to=%2B386&msg=a%20b");
    }
}
