//! The demo's month: a small service company (a desk of two agents, two technicians in the
//! field, a coordinator, finance) and five customers with their sites, contacts and
//! equipment; an office calendar with two SLA policies and a maintenance contract; then every
//! working day a handful of calls from every channel, triaged into tickets (some merged, some
//! dismissed), answered — mostly in time, some late — worked with tasks and time in the field,
//! held while waiting for the customer, and resolved, closed or cancelled, or still open at
//! the month's end.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde_json::{Value, json};
use servdesk_domain::business_time::{Tz, local_instant};

use super::{Api, Filled, Person};

/// Seeded dice (xorshift): the same month every time.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.roll() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below(u64::try_from(high - low + 1).unwrap_or(1)) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How a ticket of the month's last days ends, so every status class has one whatever the
/// dice say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Unanswered,
    Waiting,
    Resolved,
    Cancelled,
    Answered,
}

const LAST_FATES: [Fate; 5] = [Fate::Unanswered, Fate::Waiting, Fate::Resolved, Fate::Cancelled, Fate::Answered];

/// A customer's site as the month uses it.
struct Site {
    customer_id: String,
    location_id: String,
    /// `(id, name, email, phone)`.
    contacts: Vec<(String, String, String, String)>,
    /// `(equipment id, product name)`.
    units: Vec<(String, String)>,
}

/// The company's people and what the desk is set up with.
struct Desk {
    coordinator: Person,
    agents: Vec<Person>,
    technicians: Vec<Person>,
    desk_team: String,
    statuses: HashMap<String, String>,
    normal: String,
    urgent: String,
    categories: Vec<String>,
}

const PASSWORD_NOTE: &str = "the demo's password";

const CUSTOMERS: [(&str, &str, &str, &str, &str); 5] = [
    ("Tiskarna Novak d.o.o.", "Dunajska cesta 5", "1000", "Ljubljana", "SI"),
    ("Hotel Bled d.d.", "Cesta svobode 12", "4260", "Bled", "SI"),
    ("Vodovod Kranj", "Mirka Vadnova 1", "4000", "Kranj", "SI"),
    ("Pekarna Zrno", "Trg republike 3", "2000", "Maribor", "SI"),
    ("Studio Rossi S.r.l.", "Via Roma 20", "34121", "Trieste", "IT"),
];

const PRODUCTS: [&str; 5] = ["Konica C300 printer", "Vitodens 200 boiler", "Grundfos CR pump", "Rational combi oven", "Daikin heat pump"];

const CONTACTS: [&str; 10] = [
    "Iva Kos",
    "Jure Mlakar",
    "Nina Zajc",
    "Rok Kovačič",
    "Sara Golob",
    "Tomaž Vidic",
    "Eva Božič",
    "Gregor Kralj",
    "Lucia Bianchi",
    "Marco Ferri",
];

const TROUBLES: [&str; 6] = ["does not start", "shows error E{n}", "is noisy", "leaks", "needs its yearly service", "stopped overnight"];

const REPLIES: [&str; 5] = [
    "Thank you, we are on it and will call you within the hour.",
    "We have booked a technician for tomorrow morning.",
    "Could you send us a photo of the display?",
    "The part is ordered; we will let you know when it arrives.",
    "Please restart the unit once more and tell us what it shows.",
];

pub(super) async fn fill(api: &Api, zone: Tz, manager_email: &str) -> Result<Filled, String> {
    let mut dice = Dice(0x5eed_2027_0101_u64);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let first_day = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
    let last_day = this_month - Duration::days(1);
    // Nothing is made later than a few minutes ago: the month's loose ends stay open.
    let limit = Utc::now() - Duration::minutes(5);
    let at = |day: NaiveDate, minute: i64| local_instant(zone, day, 0) + Duration::minutes(minute);
    let setup = at(first_day - Duration::days(7), 9 * 60);

    let manager = api.log_in(manager_email).await?;
    let desk = set_up_desk(api, &manager, setup).await?;
    let sites = set_up_customers(api, &manager, setup, &mut dice).await?;
    set_up_service(api, &manager, &desk, &sites, setup, first_day, zone).await?;

    let mut filled = Filled { first_day, last_day, ..Filled::default() };
    let mut open_tickets: HashMap<usize, Vec<String>> = HashMap::new();
    let mut fates = LAST_FATES.iter().copied();
    let mut day = first_day;
    while day <= last_day {
        let working = day.weekday().num_days_from_monday() < 5;
        let calls = if working { 3 + dice.below(5) } else { dice.below(2) };
        let mut minutes: Vec<i64> =
            (0..calls).map(|_| if working { dice.between(7 * 60 + 30, 15 * 60 + 30) } else { dice.between(0, 24 * 60 - 1) }).collect();
        minutes.sort_unstable();
        for minute in minutes {
            let received = at(day, minute);
            if received > limit {
                continue;
            }
            let site_index = dice.below(sites.len() as u64) as usize;
            let fate = if day + Duration::days(4) > last_day { fates.next() } else { None };
            let site = &sites[site_index];
            let outcome = call(api, &desk, &manager, site, received, limit, &mut dice, open_tickets.get(&site_index), fate).await?;
            filled.calls += 1;
            if let Some((ticket, still_open, tasks)) = outcome {
                filled.tickets += 1;
                filled.tasks += tasks;
                if still_open {
                    open_tickets.entry(site_index).or_default().push(ticket);
                }
            }
        }
        day += Duration::days(1);
    }
    Ok(filled)
}

async fn set_up_desk(api: &Api, manager: &Person, at: DateTime<Utc>) -> Result<Desk, String> {
    let staff = [
        ("Maja Novak", "coordinator", 3_500),
        ("Ana Kovač", "agent", 2_800),
        ("Luka Horvat", "agent", 2_800),
        ("Marko Zupan", "technician", 3_200),
        ("Tina Krajnc", "technician", 3_200),
        ("Petra Vidmar", "finance", 3_000),
    ];
    let mut people = Vec::new();
    for (name, role, cost) in staff {
        let email = format!("{}@demo.example.com", name.split(' ').next().unwrap_or(name).to_lowercase().replace('č', "c"));
        let body = json!({"email": email, "name": name, "role": role, "password": api.password(), "cost_rate_minor": cost});
        api.post(manager, at, "/users", body).await.map_err(|e| format!("{e} ({PASSWORD_NOTE})"))?;
        people.push((role, api.log_in(&email).await?));
    }
    let of = |role: &str| people.iter().filter(|(r, _)| *r == role).map(|(_, p)| p.clone()).collect::<Vec<_>>();
    let desk_team = api.post(manager, at, "/teams", json!({"name": "Service desk"})).await?;
    let field_team = api.post(manager, at, "/teams", json!({"name": "Field service"})).await?;
    let desk_team = id(&desk_team);
    for agent in of("agent") {
        api.post(manager, at, &format!("/teams/{desk_team}/members"), json!({"user_id": agent.id})).await?;
    }
    for technician in of("technician") {
        api.post(manager, at, &format!("/teams/{}/members", id(&field_team)), json!({"user_id": technician.id})).await?;
    }
    let statuses = api.get(manager, at, "/dictionaries/ticket-statuses").await?;
    let mut by_class = HashMap::new();
    for s in statuses["items"].as_array().into_iter().flatten() {
        let class = s["class"].as_str().unwrap_or_default().to_owned();
        if s["is_default"] == true || !by_class.contains_key(&class) {
            by_class.insert(class, id(s));
        }
    }
    let priorities = api.get(manager, at, "/dictionaries/priorities").await?;
    let priorities: Vec<&Value> = priorities["items"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let normal = priorities.iter().find(|p| p["is_default"] == true).or(priorities.first()).map(|p| id(p)).unwrap_or_default();
    let urgent = priorities.iter().max_by_key(|p| p["position"].as_i64()).map(|p| id(p)).unwrap_or_default();
    let categories = api.get(manager, at, "/dictionaries/ticket-categories").await?;
    let categories = categories["items"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default();
    let coordinator = of("coordinator").into_iter().next().ok_or("no coordinator")?;
    Ok(Desk { coordinator, agents: of("agent"), technicians: of("technician"), desk_team, statuses: by_class, normal, urgent, categories })
}

async fn set_up_customers(api: &Api, manager: &Person, at: DateTime<Utc>, dice: &mut Dice) -> Result<Vec<Site>, String> {
    let mut products = Vec::new();
    for name in PRODUCTS {
        products.push((id(&api.post(manager, at, "/products", json!({"name": name})).await?), name));
    }
    let mut sites = Vec::new();
    for (n, (name, street, postal, city, country)) in CUSTOMERS.iter().enumerate() {
        let domain = format!("customer{}.example.com", n + 1);
        let customer =
            api.post(manager, at, "/customers", json!({"name": name, "email": format!("office@{domain}"), "kind": "company"})).await?;
        let customer_id = id(&customer);
        let location = api
            .post(
                manager,
                at,
                &format!("/customers/{customer_id}/locations"),
                json!({"name": "Main site", "address_line": street, "postal_code": postal, "city": city, "country": country}),
            )
            .await?;
        let mut contacts = Vec::new();
        for k in 0..2 {
            let contact_name = CONTACTS[(2 * n + k) % CONTACTS.len()];
            let email = format!("{}@{domain}", contact_name.split(' ').next().unwrap_or("contact").to_lowercase());
            let phone = format!("+386 1 {:03} {:02} {:02}", 200 + 10 * n + k, dice.below(100), dice.below(100));
            let body = json!({"customer_id": customer_id, "name": contact_name, "email": email, "phones": [phone]});
            let contact = api.post(manager, at, "/contacts", body).await?;
            contacts.push((id(&contact), contact_name.to_owned(), email, phone));
        }
        let mut units = Vec::new();
        for k in 0..2 {
            let (product_id, product) = &products[(n + 2 * k) % products.len()];
            let installed = (at - Duration::days(dice.between(200, 900))).date_naive();
            let body = json!({
                "product_id": product_id, "serial_number": format!("SN-{}{:04}", n + 1, dice.below(10_000)),
                "customer_id": customer_id, "location_id": id(&location), "installed_on": installed,
                "warranty_end": installed + Duration::days(730)
            });
            units.push((id(&api.post(manager, at, "/equipment", body).await?), (*product).to_owned()));
        }
        sites.push(Site { customer_id, location_id: id(&location), contacts, units });
    }
    Ok(sites)
}

/// The office calendar with its SLA policies, the hourly rate and a maintenance contract.
async fn set_up_service(
    api: &Api,
    manager: &Person,
    desk: &Desk,
    sites: &[Site],
    at: DateTime<Utc>,
    first_day: NaiveDate,
    zone: Tz,
) -> Result<(), String> {
    let day = json!([{"from": "08:00", "to": "16:00"}]);
    let calendar = api
        .post(
            manager,
            at,
            "/sla/calendars",
            json!({"name": "Office hours", "time_zone": zone.name(),
                   "week": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
                   "holidays": [{"date": "2000-01-01", "yearly": true, "name": "New Year"},
                                {"date": "2000-05-01", "yearly": true, "name": "Labour Day"},
                                {"date": "2000-12-25", "yearly": true, "name": "Christmas"}]}),
        )
        .await?;
    api.post(
        manager,
        at,
        "/sla/policies",
        json!({"name": "Urgent", "position": 1, "calendar_id": id(&calendar), "conditions": {"priority_ids": [desk.urgent]},
               "first_response_minutes": 30, "next_response_minutes": 120, "resolution_minutes": 480}),
    )
    .await?;
    api.post(
        manager,
        at,
        "/sla/policies",
        json!({"name": "Standard", "position": 10, "calendar_id": id(&calendar), "first_response_minutes": 120,
               "next_response_minutes": 480, "resolution_minutes": 2400}),
    )
    .await?;
    api.post(manager, at, "/billing-rates", json!({"scope": "installation", "rate_minor": 5_500, "valid_from": "2020-01-01"})).await?;
    let hotel = &sites[1];
    api.post(
        manager,
        at,
        "/contracts",
        json!({"customer_id": hotel.customer_id, "name": "Boiler room maintenance", "starts_on": first_day - Duration::days(60),
               "cycle": "monthly", "timing": "in_arrears", "included_minutes": 120, "hourly_rate_minor": 4_500,
               "location_ids": [hotel.location_id],
               "services": [{"kind": "support", "description": "Boiler room maintenance", "fee_minor": 25_000}]}),
    )
    .await?;
    Ok(())
}

/// One incoming call and what became of it: `(ticket, still open, tasks)` when it became a
/// ticket.
#[allow(clippy::too_many_arguments)]
async fn call(
    api: &Api,
    desk: &Desk,
    manager: &Person,
    site: &Site,
    received: DateTime<Utc>,
    limit: DateTime<Utc>,
    dice: &mut Dice,
    open_tickets: Option<&Vec<String>>,
    fate: Option<Fate>,
) -> Result<Option<(String, bool, usize)>, String> {
    let (contact_id, contact_name, email, phone) = dice.pick(&site.contacts).clone();
    let (unit_id, product) = dice.pick(&site.units).clone();
    let trouble = dice.pick(&TROUBLES).replace("{n}", &dice.between(10, 99).to_string());
    let subject = format!("{product} {trouble}");
    let channel = *dice.pick(&["phone", "phone", "phone", "email", "email", "email", "web_form", "web_form", "sms", "portal", "api"]);
    let mut body = json!({"channel": channel, "subject": subject, "body": format!("{subject}. Please help."),
                          "from_name": contact_name, "customer_id": site.customer_id, "contact_id": contact_id});
    match channel {
        "phone" | "sms" => body["from_phone"] = json!(phone),
        "api" => body["metadata"] = json!({"source": "monitoring", "equipment_id": unit_id}),
        _ => body["from_email"] = json!(email),
    }
    let caller = if channel == "api" { manager } else { dice.pick(&desk.agents) };
    let made = api.post(caller, received, "/calls", body).await?;
    let Some(call_id) = made["call"]["id"].as_str().map(str::to_owned) else { return Ok(None) };
    let triaged = received + Duration::minutes(dice.between(3, 45));
    // The last days' queue is not quite empty.
    let late_in_month = received.date_naive().day() >= 27;
    if triaged > limit || (fate.is_none() && late_in_month && dice.chance(20)) {
        return Ok(None);
    }
    let coordinator = &desk.coordinator;
    let roll = dice.below(100);
    if fate.is_none() && roll < 12 {
        let reason = *dice.pick(&["spam", "spam", "duplicate", "duplicate", "not_ours", "mistake"]);
        api.post(coordinator, triaged, &format!("/calls/{call_id}/dismiss"), json!({"reason": reason})).await?;
        return Ok(None);
    }
    if fate.is_none()
        && roll < 20
        && let Some(ticket) = open_tickets.and_then(|t| t.last())
    {
        api.post(coordinator, triaged, &format!("/calls/{call_id}/merge"), json!({"ticket_id": ticket})).await?;
        return Ok(None);
    }
    let agent = dice.pick(&desk.agents).clone();
    let urgent = dice.chance(12);
    let mut convert = json!({
        "title": subject, "customer_id": site.customer_id, "location_id": site.location_id, "contact_id": contact_id,
        "equipment_id": unit_id, "priority_id": if urgent { &desk.urgent } else { &desk.normal },
        "team_id": desk.desk_team, "assignee_id": agent.id
    });
    if !desk.categories.is_empty() {
        convert["category_id"] = json!(dice.pick(&desk.categories));
    }
    let converted = api.post(coordinator, triaged, &format!("/calls/{call_id}/convert"), convert).await?;
    let ticket = converted["ticket_id"].as_str().ok_or_else(|| format!("a converted call without its ticket: {converted}"))?.to_owned();
    let (open, tasks) = match fate {
        Some(fate) => (settle(api, desk, &agent, &ticket, triaged, fate).await?, 0),
        None => work(api, desk, &agent, &ticket, triaged, limit, dice).await?,
    };
    Ok(Some((ticket, open, tasks)))
}

/// A ticket's life after triage: the first answer, the work, and how it ends (or not yet).
/// Answers whether it is still open and how many tasks it got.
async fn work(
    api: &Api,
    desk: &Desk,
    agent: &Person,
    ticket: &str,
    triaged: DateTime<Utc>,
    limit: DateTime<Utc>,
    dice: &mut Dice,
) -> Result<(bool, usize), String> {
    let status = |class: &str| desk.statuses.get(class).cloned().unwrap_or_default();
    let answer_after = match dice.below(100) {
        0..65 => dice.between(10, 90),
        65..90 => dice.between(120, 300),
        _ => dice.between(20 * 60, 30 * 60),
    };
    let mut t = triaged + Duration::minutes(answer_after);
    // A few are never answered: their first response is missed.
    if t > limit || dice.chance(3) {
        return Ok((true, 0));
    }
    let reply = json!({"visibility": "public", "body": dice.pick(&REPLIES)});
    api.post(agent, t, &format!("/tickets/{ticket}/comments"), reply).await?;
    if dice.chance(25) {
        let note = json!({"visibility": "internal", "body": "Checked the service history: last visit was fine."});
        api.post(agent, t + Duration::minutes(5), &format!("/tickets/{ticket}/comments"), note).await?;
    }
    let mut tasks = 0;
    let mut open_task = None;
    if dice.chance(45) {
        let technician = dice.pick(&desk.technicians).clone();
        let visit = t + Duration::hours(dice.between(16, 40));
        let body = json!({"title": "Visit on site", "assignee_id": technician.id, "planned_start": visit,
                          "planned_end": visit + Duration::hours(2)});
        let task = api.post(&desk.coordinator, t + Duration::minutes(15), &format!("/tickets/{ticket}/tasks"), body).await?;
        tasks += 1;
        let task_id = id(&task);
        open_task = Some(task_id.clone());
        if visit <= limit {
            api.post(&technician, visit, &format!("/tasks/{task_id}/status"), json!({"status": "in_progress"})).await?;
            let minutes = dice.between(45, 240);
            let done = visit + Duration::minutes(minutes);
            if done <= limit {
                let entry = json!({"task_id": task_id, "work_date": done.date_naive(), "minutes": minutes, "note": "On site"});
                api.post(&technician, done, "/time-entries", entry).await?;
                api.post(&technician, done, &format!("/tasks/{task_id}/status"), json!({"status": "done"})).await?;
                open_task = None;
                t = done;
                // The last task done may have closed the ticket (the installation's rule).
                let shown = api.get(&desk.coordinator, done, &format!("/tickets/{ticket}")).await?;
                if !shown["closed_at"].is_null() {
                    return Ok((false, tasks));
                }
            }
        }
    } else if dice.chance(50) {
        let entry = json!({"ticket_id": ticket, "work_date": t.date_naive(), "minutes": dice.between(10, 40), "note": "Remote help"});
        api.post(agent, t + Duration::minutes(20), "/time-entries", entry).await?;
    }
    if open_task.is_none() && dice.chance(15) {
        let held = t + Duration::minutes(30);
        let back = held + Duration::hours(dice.between(20, 60));
        if held > limit {
            return Ok((true, tasks));
        }
        api.post(agent, held, &format!("/tickets/{ticket}/status"), json!({"status_id": status("pending")})).await?;
        // Some still wait for the customer.
        if back > limit || dice.chance(25) {
            return Ok((true, tasks));
        }
        api.post(agent, back, &format!("/tickets/{ticket}/status"), json!({"status_id": status("open")})).await?;
        t = back;
    }
    let end = t + Duration::hours(dice.between(1, 30));
    if end > limit {
        return Ok((true, tasks));
    }
    let close = format!("/tickets/{ticket}/close");
    match dice.below(100) {
        0..62 => {
            api.post(&desk.coordinator, end, &close, json!({"note": "Done", "cancel_open_tasks": open_task.is_some()})).await?;
            Ok((false, tasks))
        }
        62..67 => {
            api.post(&desk.coordinator, end, &close, json!({"status_id": status("cancelled"), "cancel_open_tasks": true})).await?;
            Ok((false, tasks))
        }
        67..82 if open_task.is_none() => {
            api.post(agent, end, &format!("/tickets/{ticket}/status"), json!({"status_id": status("resolved")})).await?;
            Ok((true, tasks))
        }
        _ => Ok((true, tasks)),
    }
}

/// A ticket of the month's last days, answered within the hour and left as `fate` says;
/// answers whether it is still open.
async fn settle(api: &Api, desk: &Desk, agent: &Person, ticket: &str, triaged: DateTime<Utc>, fate: Fate) -> Result<bool, String> {
    if fate == Fate::Unanswered {
        return Ok(true);
    }
    let t = triaged + Duration::minutes(40);
    let reply = json!({"visibility": "public", "body": REPLIES[0]});
    api.post(agent, t, &format!("/tickets/{ticket}/comments"), reply).await?;
    let status = |class: &str| json!({"status_id": desk.statuses.get(class).cloned().unwrap_or_default()});
    let later = t + Duration::hours(2);
    match fate {
        Fate::Waiting => api.post(agent, later, &format!("/tickets/{ticket}/status"), status("pending")).await?,
        Fate::Resolved => api.post(agent, later, &format!("/tickets/{ticket}/status"), status("resolved")).await?,
        Fate::Cancelled => api.post(&desk.coordinator, later, &format!("/tickets/{ticket}/close"), status("cancelled")).await?,
        Fate::Unanswered | Fate::Answered => Value::Null,
    };
    Ok(fate != Fate::Cancelled)
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}
