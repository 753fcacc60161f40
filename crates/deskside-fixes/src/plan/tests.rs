//! Exact command lines of every plan on every OS, and the property that no argument or fact
//! can make a plan run a program outside the allow-list or hand a shell a value.

use proptest::prelude::*;

use super::*;
use crate::args::{ConnectionName, DeferMinutes, VpnClient, WebUrl};
use crate::catalogue::{FIXES, find};

fn def(id: &str) -> &'static FixDef {
    find(id).unwrap()
}

fn argv(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| {
            let (p, a) = s.display();
            let mut line = vec![p];
            line.extend(a);
            line.join(" ")
        })
        .collect()
}

fn iface(name: &str, up: bool, ipv4: bool) -> IfaceFact {
    IfaceFact {
        name: name.into(),
        up,
        carrier: up,
        has_ipv4: ipv4,
        loopback: name == "lo",
        tunnel: name.starts_with("wg"),
    }
}

/// The lab's client: lo, eth0 (udhcpc), a WireGuard tunnel, a dnsmasq stub.
fn lab(eth0_up: bool, eth0_ipv4: bool, route: bool) -> Facts {
    Facts {
        interfaces: vec![
            iface("lo", true, false),
            iface("eth0", eth0_up, eth0_ipv4),
            iface("wg1a2b3", true, true),
        ],
        default_route_interface: route.then(|| "eth0".to_owned()),
        dns_stubs: vec![ProcFact {
            pid: 4242,
            name: "dnsmasq".into(),
        }],
        dhcp_clients: vec![DhcpClient {
            kind: DhcpKind::Udhcpc,
            pid: 777,
            interface: Some("eth0".into()),
        }],
        temp_max_age_days: 7,
        ..Facts::default()
    }
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn linux(id: &str, facts: &Facts) -> Vec<String> {
    argv(&plan(Os::Linux, def(id), &FixArgs::default(), facts).unwrap())
}

#[test]
fn linux_flush_dns_uses_every_cache_in_our_namespace() {
    assert_eq!(
        linux("net.flush_dns", &lab(true, true, true)),
        lines(&["deskside signal HUP 4242 dnsmasq"])
    );
    let facts = Facts {
        resolved: true,
        nscd: true,
        ..lab(true, true, true)
    };
    assert_eq!(
        linux("net.flush_dns", &facts),
        lines(&[
            "resolvectl flush-caches",
            "nscd -i hosts",
            "deskside signal HUP 4242 dnsmasq"
        ])
    );
    let err = plan(
        Os::Linux,
        def("net.flush_dns"),
        &FixArgs::default(),
        &Facts::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "fix.not_applicable");
}

#[test]
fn linux_renew_signals_udhcpc_and_waits() {
    // No address: still a plain renew (udhcpc broadcasts it when the old address is gone).
    assert_eq!(
        linux("net.renew_address", &lab(true, false, false)),
        lines(&[
            "deskside signal USR1 777 udhcpc",
            "deskside wait-network eth0 20"
        ])
    );
    // Address and route present: a plain renew.
    assert_eq!(
        linux("net.renew_address", &lab(true, true, true)),
        lines(&[
            "deskside signal USR1 777 udhcpc",
            "deskside wait-network eth0 20"
        ])
    );
    let nm = Facts {
        network_manager: true,
        ..lab(true, true, true)
    };
    assert_eq!(
        linux("net.renew_address", &nm),
        lines(&[
            "nmcli device reapply eth0",
            "nmcli device connect eth0",
            "deskside wait-network eth0 20"
        ])
    );
    let p = plan(
        Os::Linux,
        def("net.renew_address"),
        &FixArgs::default(),
        &nm,
    )
    .unwrap();
    assert!(p.steps[0].may_fail && p.steps[1].only_if_previous_failed);
    let networkd = Facts {
        networkd: true,
        ..lab(true, true, true)
    };
    assert_eq!(
        linux("net.renew_address", &networkd)[0],
        "networkctl renew eth0"
    );
    let mut dhcpcd = lab(true, true, true);
    dhcpcd.dhcp_clients[0].kind = DhcpKind::Dhcpcd;
    assert_eq!(linux("net.renew_address", &dhcpcd)[0], "dhcpcd -n eth0");
    let mut dhclient = lab(true, true, true);
    dhclient.dhcp_clients[0].kind = DhcpKind::Dhclient;
    assert_eq!(
        linux("net.renew_address", &dhclient)[..2],
        lines(&["dhclient -r eth0", "dhclient eth0"])
    );
    let mut none = lab(true, true, true);
    none.dhcp_clients.clear();
    assert!(
        plan(
            Os::Linux,
            def("net.renew_address"),
            &FixArgs::default(),
            &none
        )
        .is_err()
    );
}

#[test]
fn linux_restart_picks_the_down_interface_and_renews() {
    assert_eq!(
        linux("net.restart_interface", &lab(false, true, false)),
        lines(&[
            "ip link set dev eth0 down",
            "ip link set dev eth0 up",
            "deskside signal USR2 777 udhcpc",
            "deskside sleep 300",
            "deskside signal USR1 777 udhcpc",
            "deskside wait-network eth0 20"
        ])
    );
    let nm = Facts {
        network_manager: true,
        ..lab(true, true, true)
    };
    assert_eq!(
        linux("net.restart_interface", &nm),
        lines(&[
            "nmcli device disconnect eth0",
            "nmcli device connect eth0",
            "deskside wait-network eth0 20"
        ])
    );
}

#[test]
fn interface_choice() {
    let f = def("net.restart_interface");
    let args = |name: &str| FixArgs {
        interface: Some(InterfaceName::parse(name).unwrap()),
        ..FixArgs::default()
    };
    let facts = lab(true, true, true);
    assert_eq!(
        pick_interface(f, &args("wg1a2b3"), &facts)
            .unwrap()
            .as_str(),
        "wg1a2b3"
    );
    assert!(pick_interface(f, &args("eth9"), &facts).is_err());
    assert_eq!(
        pick_interface(f, &FixArgs::default(), &facts)
            .unwrap()
            .as_str(),
        "eth0"
    );
    // no-address fault: up, no IPv4, no route; the tunnel is never picked.
    assert_eq!(
        pick_interface(f, &FixArgs::default(), &lab(true, false, false))
            .unwrap()
            .as_str(),
        "eth0"
    );
    let two_down = Facts {
        interfaces: vec![iface("eth0", false, false), iface("eth1", false, false)],
        ..Facts::default()
    };
    let err = pick_interface(f, &FixArgs::default(), &two_down).unwrap_err();
    assert!(err.to_string().contains("--interface"), "{err}");
}

#[test]
fn linux_reset_stack_flushes_and_renews_without_a_manager() {
    assert_eq!(
        linux("net.reset_stack", &lab(true, true, false)),
        lines(&[
            "ip -4 route flush dev eth0",
            "ip -4 addr flush dev eth0",
            "deskside signal USR2 777 udhcpc",
            "deskside sleep 300",
            "deskside signal USR1 777 udhcpc",
            "deskside wait-network eth0 20"
        ])
    );
    let networkd = Facts {
        networkd: true,
        ..lab(true, true, true)
    };
    assert_eq!(
        linux("net.reset_stack", &networkd),
        lines(&[
            "networkctl reconfigure eth0",
            "deskside wait-network eth0 20"
        ])
    );
}

#[test]
fn clear_proxy_saves_then_changes_and_reports_env_proxies() {
    let facts = Facts {
        gnome_proxy: Some(ProxyMode::Manual),
        env_proxies: vec![EnvProxy {
            var: "http_proxy".into(),
            sources: vec!["/etc/environment".into()],
        }],
        ..Facts::default()
    };
    let p = plan(
        Os::Linux,
        def("net.clear_proxy"),
        &FixArgs::default(),
        &facts,
    )
    .unwrap();
    assert_eq!(
        argv(&p),
        lines(&[
            "deskside save-proxy manual",
            "gsettings set org.gnome.system.proxy mode none"
        ])
    );
    assert!(
        p.changes
            .iter()
            .any(|c| c.contains("http_proxy is set in /etc/environment"))
    );
    let env_only = Facts {
        gnome_proxy: Some(ProxyMode::None),
        ..facts
    };
    let err = plan(
        Os::Linux,
        def("net.clear_proxy"),
        &FixArgs::default(),
        &env_only,
    )
    .unwrap_err();
    assert!(err.to_string().contains("environment variables"), "{err}");
    let undo = undo_plan(
        Os::Linux,
        def("net.clear_proxy"),
        &crate::UndoState {
            gnome_proxy_mode: Some(ProxyMode::Auto),
            ..crate::UndoState::default()
        },
    )
    .unwrap();
    assert_eq!(
        argv(&undo),
        lines(&["gsettings set org.gnome.system.proxy mode auto"])
    );
    assert!(
        undo_plan(
            Os::Linux,
            def("net.clear_proxy"),
            &crate::UndoState::default()
        )
        .is_err()
    );
}

#[test]
fn forget_captive_opens_the_validated_portal() {
    let facts = Facts {
        portal_url: Some(WebUrl::parse("http://portal.lab.test:8080/login").unwrap()),
        ..Facts::default()
    };
    let f = def("net.forget_captive");
    let none = FixArgs::default();
    assert_eq!(
        argv(&plan(Os::Linux, f, &none, &facts).unwrap()),
        lines(&["xdg-open http://portal.lab.test:8080/login"])
    );
    assert_eq!(
        argv(&plan(Os::Macos, f, &none, &facts).unwrap()),
        lines(&["/usr/bin/open http://portal.lab.test:8080/login"])
    );
    assert_eq!(
        argv(&plan(Os::Windows, f, &none, &facts).unwrap()),
        lines(&["explorer.exe http://portal.lab.test:8080/login"])
    );
    assert!(plan(Os::Linux, f, &none, &Facts::default()).is_err());
}

#[test]
fn vpn_reconnect_per_client() {
    let f = def("vpn.reconnect");
    let with = |client, conn: &str| Facts {
        vpn: Some((client, ConnectionName::parse(client, conn).unwrap())),
        ..Facts::default()
    };
    let none = FixArgs::default();
    assert_eq!(
        argv(
            &plan(
                Os::Linux,
                f,
                &none,
                &with(VpnClient::Wireguard, "/etc/wireguard/corp.conf")
            )
            .unwrap()
        ),
        lines(&[
            "wg-quick down /etc/wireguard/corp.conf",
            "wg-quick up /etc/wireguard/corp.conf"
        ])
    );
    assert_eq!(
        argv(
            &plan(
                Os::Linux,
                f,
                &none,
                &with(VpnClient::Networkmanager, "Corp VPN")
            )
            .unwrap()
        ),
        lines(&["nmcli connection up id Corp VPN"])
    );
    let p = plan(
        Os::Linux,
        f,
        &none,
        &with(VpnClient::Networkmanager, "Corp VPN"),
    )
    .unwrap();
    assert_eq!(
        p.steps[0].action,
        Action::Run {
            program: "nmcli",
            args: lines(&["connection", "up", "id", "Corp VPN"])
        },
        "a name with a space stays one argument"
    );
    assert_eq!(
        argv(&plan(Os::Linux, f, &none, &with(VpnClient::Openvpn, "corp")).unwrap()),
        lines(&["systemctl restart openvpn-client@corp"])
    );
    assert_eq!(
        argv(&plan(Os::Windows, f, &none, &with(VpnClient::Rasdial, "Corp VPN")).unwrap()),
        lines(&["rasdial.exe Corp VPN /disconnect", "rasdial.exe Corp VPN"])
    );
    assert_eq!(
        argv(&plan(Os::Windows, f, &none, &with(VpnClient::Wireguard, "corp")).unwrap()),
        lines(&[
            r"C:\Program Files\WireGuard\wireguard.exe /uninstalltunnelservice corp",
            r"C:\Program Files\WireGuard\wireguard.exe /installtunnelservice C:\Program Files\WireGuard\Data\Configurations\corp.conf.dpapi"
        ])
    );
    assert_eq!(
        argv(&plan(Os::Macos, f, &none, &with(VpnClient::Scutil, "Corp")).unwrap()),
        lines(&[
            "/usr/sbin/scutil --nc stop Corp",
            "/usr/sbin/scutil --nc start Corp"
        ])
    );
    let err = plan(Os::Linux, f, &none, &Facts::default()).unwrap_err();
    assert!(err.to_string().contains("ask IT"), "{err}");
    assert!(plan(Os::Linux, f, &none, &with(VpnClient::Rasdial, "x")).is_err());
}

#[test]
fn clock_print_restart_and_disk_on_linux() {
    let chrony = Facts {
        chronyd: true,
        ..Facts::default()
    };
    assert_eq!(
        linux("system.sync_clock", &chrony),
        lines(&["timedatectl set-ntp true", "chronyc -a makestep"])
    );
    let timesyncd = Facts {
        timesyncd: true,
        ..Facts::default()
    };
    assert_eq!(
        linux("system.sync_clock", &timesyncd)[1],
        "systemctl restart systemd-timesyncd"
    );
    assert!(
        plan(
            Os::Linux,
            def("system.sync_clock"),
            &FixArgs::default(),
            &Facts::default()
        )
        .is_err()
    );

    let cups = Facts {
        cups_server: Some(crate::print::CupsServer::Socket(
            crate::print::DEFAULT_SOCKET.into(),
        )),
        cupsd: Some(ProcFact {
            pid: 55,
            name: "cupsd".into(),
        }),
        ..Facts::default()
    };
    assert_eq!(
        linux("print.clear_queue", &cups),
        lines(&[
            "cancel -h /run/cups/cups.sock -a",
            "deskside signal HUP 55 cupsd"
        ])
    );
    let cups_systemd = Facts {
        cups_systemd: true,
        ..cups.clone()
    };
    assert_eq!(
        linux("print.clear_queue", &cups_systemd),
        lines(&["cancel -h /run/cups/cups.sock -a", "systemctl restart cups"])
    );
    // CUPS_SERVER pointing at a private scheduler's socket: that socket, that cupsd.
    let private = Facts {
        cups_server: Some(
            crate::print::resolve(Some("/tmp/deskside-lab/1a2b/cups/cups.sock")).unwrap(),
        ),
        cupsd: Some(ProcFact {
            pid: 4242,
            name: "cupsd".into(),
        }),
        ..Facts::default()
    };
    assert_eq!(
        linux("print.clear_queue", &private),
        lines(&[
            "cancel -h /tmp/deskside-lab/1a2b/cups/cups.sock -a",
            "deskside signal HUP 4242 cupsd"
        ])
    );
    let reason = |facts: &Facts| {
        plan(
            Os::Linux,
            def("print.clear_queue"),
            &FixArgs::default(),
            facts,
        )
        .unwrap_err()
        .to_string()
    };
    // No cupsd of our namespace on the socket (a lab whose host runs CUPS): nothing to do.
    let no_cupsd = Facts {
        cupsd: None,
        ..cups.clone()
    };
    assert!(reason(&no_cupsd).contains("nothing listens on /run/cups/cups.sock"));
    let remote = Facts {
        cups_server: Some(crate::print::resolve(Some("print.corp.example:631")).unwrap()),
        ..cups.clone()
    };
    assert!(reason(&remote).contains("print server print.corp.example:631"));
    let invalid = Facts {
        cups_server: None,
        ..cups
    };
    assert!(reason(&invalid).contains("CUPS_SERVER"));

    let logind = Facts {
        logind: true,
        ..Facts::default()
    };
    let args = FixArgs {
        minutes: Some(DeferMinutes::new(30).unwrap()),
        ..FixArgs::default()
    };
    assert_eq!(
        argv(&plan(Os::Linux, def("system.restart_prompt"), &args, &logind).unwrap()),
        lines(&["shutdown -r +30"])
    );
    assert!(
        plan(
            Os::Linux,
            def("system.restart_prompt"),
            &args,
            &Facts::default()
        )
        .is_err(),
        "no logind in our namespace: never restart (a lab's host)"
    );
    assert_eq!(
        argv(
            &undo_plan(
                Os::Linux,
                def("system.restart_prompt"),
                &crate::UndoState::default()
            )
            .unwrap()
        ),
        lines(&["shutdown -c"])
    );

    let temp = Facts {
        temp_roots: vec![PathBuf::from("/tmp")],
        temp_max_age_days: 7,
        ..Facts::default()
    };
    assert_eq!(
        linux("disk.clear_temp", &temp),
        lines(&["deskside clear-files /tmp --older-than-days=7"])
    );
    let trash = Facts {
        trash_roots: vec![PathBuf::from("/home/u/.local/share/Trash/files")],
        ..Facts::default()
    };
    assert_eq!(
        linux("disk.empty_trash", &trash),
        lines(&["deskside clear-files /home/u/.local/share/Trash/files"])
    );
    assert!(
        plan(
            Os::Linux,
            def("disk.empty_trash"),
            &FixArgs::default(),
            &Facts::default()
        )
        .is_err()
    );
}

#[test]
fn windows_command_lines() {
    let facts = Facts {
        interfaces: vec![iface("Ethernet", true, true)],
        default_route_interface: Some("Ethernet".into()),
        ..Facts::default()
    };
    let w = |id: &str, args: &FixArgs| argv(&plan(Os::Windows, def(id), args, &facts).unwrap());
    let none = FixArgs::default();
    assert_eq!(
        w("net.flush_dns", &none),
        lines(&["ipconfig.exe /flushdns"])
    );
    assert_eq!(
        w("net.renew_address", &none),
        lines(&["ipconfig.exe /renew"])
    );
    let eth = FixArgs {
        interface: Some(InterfaceName::parse("Ethernet").unwrap()),
        ..FixArgs::default()
    };
    assert_eq!(
        w("net.renew_address", &eth),
        lines(&["ipconfig.exe /renew Ethernet"])
    );
    assert_eq!(
        w("net.restart_interface", &none),
        lines(&[
            "netsh.exe interface set interface name=Ethernet admin=disabled",
            "netsh.exe interface set interface name=Ethernet admin=enabled",
            "ipconfig.exe /renew Ethernet"
        ])
    );
    assert_eq!(
        w("net.reset_stack", &none),
        lines(&["netsh.exe winsock reset", "netsh.exe int ip reset"])
    );
    assert_eq!(
        w("net.clear_proxy", &none),
        lines(&[
            "deskside save-proxy ProxyEnable=1",
            r"reg.exe add HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings /v ProxyEnable /t REG_DWORD /d 0 /f"
        ])
    );
    assert_eq!(
        w("system.sync_clock", &none),
        lines(&["net.exe start w32time", "w32tm.exe /resync /force"])
    );
    assert_eq!(
        w("disk.empty_trash", &none),
        lines(&[
            "powershell.exe -NoProfile -NonInteractive -Command Clear-RecycleBin -Force -ErrorAction SilentlyContinue"
        ])
    );
    assert_eq!(
        w("print.clear_queue", &none),
        lines(&[
            "net.exe stop spooler",
            r"deskside clear-files C:\Windows\System32\spool\PRINTERS",
            "net.exe start spooler"
        ])
    );
    let five = FixArgs {
        minutes: Some(DeferMinutes::new(5).unwrap()),
        ..FixArgs::default()
    };
    assert_eq!(
        w("system.restart_prompt", &five),
        lines(&["shutdown.exe /r /t 300"])
    );
    assert_eq!(
        argv(
            &undo_plan(
                Os::Windows,
                def("system.restart_prompt"),
                &crate::UndoState::default()
            )
            .unwrap()
        ),
        lines(&["shutdown.exe /a"])
    );
}

#[test]
fn macos_command_lines() {
    let facts = Facts {
        interfaces: vec![iface("en0", true, true)],
        default_route_interface: Some("en0".into()),
        macos_services: vec!["Wi-Fi".into()],
        ..Facts::default()
    };
    let m = |id: &str| argv(&plan(Os::Macos, def(id), &FixArgs::default(), &facts).unwrap());
    assert_eq!(
        m("net.flush_dns"),
        lines(&[
            "/usr/bin/dscacheutil -flushcache",
            "/usr/bin/killall -HUP mDNSResponder"
        ])
    );
    assert_eq!(
        m("net.renew_address"),
        lines(&["/usr/sbin/ipconfig set en0 DHCP"])
    );
    assert_eq!(
        m("net.restart_interface"),
        lines(&[
            "/sbin/ifconfig en0 down",
            "/sbin/ifconfig en0 up",
            "/usr/sbin/ipconfig set en0 DHCP"
        ])
    );
    assert_eq!(m("net.clear_proxy").len(), 4);
    assert_eq!(
        m("net.clear_proxy")[0],
        "/usr/sbin/networksetup -setwebproxystate Wi-Fi off"
    );
    assert_eq!(
        m("system.sync_clock"),
        lines(&["/usr/bin/sntp -sS time.apple.com"])
    );
    assert_eq!(
        m("print.clear_queue"),
        lines(&[
            "/usr/sbin/cancel -a -",
            "/bin/launchctl kickstart -k system/org.cups.cupsd"
        ])
    );
    assert_eq!(
        m("system.restart_prompt"),
        lines(&["/sbin/shutdown -r +10"])
    );
    assert_eq!(
        argv(
            &undo_plan(
                Os::Macos,
                def("system.restart_prompt"),
                &crate::UndoState::default()
            )
            .unwrap()
        ),
        lines(&["/usr/bin/killall shutdown"])
    );
}

/// Facts built from arbitrary strings, as a hostile or odd machine might report them.
fn arb_facts() -> impl Strategy<Value = Facts> {
    (
        proptest::collection::vec(("\\PC{0,20}", any::<bool>(), any::<bool>()), 0..4),
        proptest::option::of("\\PC{0,20}"),
        any::<[bool; 8]>(),
        proptest::collection::vec("\\PC{0,30}", 0..3),
        proptest::option::of(any::<String>()),
        (0_usize..5, any::<String>()),
    )
        .prop_map(|(ifs, route, flags, services, url, (client, conn))| {
            let client = VpnClient::parse(VpnClient::NAMES[client]).unwrap();
            Facts {
                interfaces: ifs
                    .into_iter()
                    .map(|(name, up, ipv4)| IfaceFact {
                        name,
                        up,
                        carrier: up,
                        has_ipv4: ipv4,
                        loopback: false,
                        tunnel: false,
                    })
                    .collect(),
                default_route_interface: route,
                network_manager: flags[0],
                networkd: flags[1],
                resolved: flags[2],
                nscd: flags[3],
                chronyd: flags[4],
                timesyncd: flags[5],
                logind: flags[6],
                cups_systemd: flags[7],
                cups_server: Some(crate::print::CupsServer::Socket(
                    crate::print::DEFAULT_SOCKET.into(),
                )),
                cupsd: flags[7].then(|| ProcFact {
                    pid: 9,
                    name: "cupsd".into(),
                }),
                dhcp_clients: vec![DhcpClient {
                    kind: DhcpKind::Udhcpc,
                    pid: 7,
                    interface: None,
                }],
                gnome_proxy: Some(ProxyMode::Manual),
                macos_services: services,
                portal_url: url.and_then(|u| WebUrl::parse(&u).ok()),
                vpn: ConnectionName::parse(client, &conn)
                    .ok()
                    .map(|c| (client, c)),
                temp_roots: vec![PathBuf::from("/tmp")],
                temp_max_age_days: 7,
                trash_roots: vec![PathBuf::from("/t")],
                ..Facts::default()
            }
        })
}

fn arb_args() -> impl Strategy<Value = FixArgs> {
    (
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(i, u, m)| FixArgs {
            interface: i.and_then(|i| InterfaceName::parse(&i).ok()),
            connection: None,
            url: u.and_then(|u| WebUrl::parse(&u).ok()),
            minutes: m.and_then(|m| DeferMinutes::new(m).ok()),
        })
}

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "cmd.exe", "cmd", "/bin/sh", "pwsh",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn plans_only_run_allowed_programs_and_never_feed_a_shell(
        facts in arb_facts(),
        args in arb_args(),
        os in prop_oneof![Just(Os::Linux), Just(Os::Windows), Just(Os::Macos)],
    ) {
        for fix in FIXES {
            let Ok(p) = plan(os, fix, &args, &facts) else { continue };
            for step in &p.steps {
                if let Action::Run { program, args: a } = &step.action {
                    prop_assert!(ALLOWED_PROGRAMS.contains(program), "{program} not allowed");
                    prop_assert!(!SHELLS.contains(program));
                    if *program == "powershell.exe" {
                        prop_assert_eq!(
                            a.clone(),
                            lines(&["-NoProfile", "-NonInteractive", "-Command", WINDOWS_EMPTY_RECYCLE_BIN])
                        );
                    }
                    for arg in a {
                        prop_assert!(!arg.contains('\0'));
                    }
                    // An interface the plan acts on passed the validator.
                    if *program == "ip" || *program == "netsh.exe" || *program == "/sbin/ifconfig" {
                        let name = a.iter().find_map(|x| x.strip_prefix("name=")).map(str::to_owned)
                            .or_else(|| a.iter().position(|x| x == "dev").and_then(|i| a.get(i + 1).cloned()))
                            .or_else(|| (*program == "/sbin/ifconfig").then(|| a[0].clone()));
                        if let Some(n) = name {
                            prop_assert!(InterfaceName::parse(&n).is_ok(), "{n:?}");
                        }
                    }
                }
            }
        }
    }
}
