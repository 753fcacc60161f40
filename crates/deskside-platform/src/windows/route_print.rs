//! Parser for `route print`: the active IPv4 and IPv6 routing tables.
//!
//! The output has an "Interface List", then per family a table framed by `=====` rules:
//! header, rule, "Active Routes:" rows, rule, "Persistent Routes:". Only active routes are
//! read (persistent ones are already among them when in effect). Section titles are found
//! by the words `IPv4`/`IPv6`, which every translation keeps, and the frame by its rules.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::model::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Between the family title and the first rule.
    Title,
    /// Active routes, until the next rule.
    Active,
    /// Persistent routes or anything else: ignored.
    Rest,
}

/// Parse the output of `route print`.
///
/// IPv4 rows keep the Interface column (the local address of the outgoing interface, as
/// Windows prints it) as [`Route::interface`]; IPv6 rows keep the interface index (`11`),
/// which is the only interface identity that table has. `On-link` gateways become `None`.
#[must_use]
pub fn parse_route_print(text: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut section: Option<(Family, Part)> = None;
    // An IPv6 row whose destination was too long: its gateway is on the next line.
    let mut pending_v6: Option<(String, u32, IpNet)> = None;

    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("====") {
            pending_v6 = None;
            section = section.map(|(family, part)| match part {
                Part::Title => (family, Part::Active),
                Part::Active | Part::Rest => (family, Part::Rest),
            });
            continue;
        }
        if line.contains("IPv4") && !line.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            section = Some((Family::V4, Part::Title));
            continue;
        }
        if line.contains("IPv6") && !line.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            section = Some((Family::V6, Part::Title));
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match section {
            Some((Family::V4, Part::Active)) => routes.extend(parse_v4_row(&tokens)),
            Some((Family::V6, Part::Active)) => {
                if let Some((ifindex, metric, destination)) = pending_v6.take()
                    && let [gateway] = tokens.as_slice()
                {
                    routes.push(v6_route(ifindex, metric, destination, gateway));
                    continue;
                }
                match tokens.as_slice() {
                    [ifindex, metric, dest, gateway] => {
                        if let (Ok(metric), Ok(destination)) =
                            (metric.parse(), dest.parse::<IpNet>())
                        {
                            routes.push(v6_route(
                                (*ifindex).to_owned(),
                                metric,
                                destination,
                                gateway,
                            ));
                        }
                    }
                    [ifindex, metric, dest] => {
                        if let (Ok(metric), Ok(destination)) =
                            (metric.parse(), dest.parse::<IpNet>())
                        {
                            pending_v6 = Some(((*ifindex).to_owned(), metric, destination));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    routes
}

fn parse_v4_row(tokens: &[&str]) -> Option<Route> {
    let [dest, mask, gateway, interface, metric] = tokens else {
        return None;
    };
    let dest: Ipv4Addr = dest.parse().ok()?;
    let mask: Ipv4Addr = mask.parse().ok()?;
    let destination = Ipv4Net::with_netmask(dest, mask).ok()?;
    Some(Route {
        destination: IpNet::V4(destination),
        gateway: gateway.parse::<IpAddr>().ok(),
        interface: Some((*interface).to_owned()),
        metric: metric.parse().ok(),
    })
}

fn v6_route(ifindex: String, metric: u32, destination: IpNet, gateway: &str) -> Route {
    let gateway = gateway.split_once('%').map_or(gateway, |(addr, _)| addr);
    Route {
        destination,
        gateway: gateway.parse().ok(),
        interface: Some(ifindex),
        metric: Some(metric),
    }
}
