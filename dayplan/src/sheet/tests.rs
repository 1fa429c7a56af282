use super::*;

pub(crate) fn sample() -> SheetData {
    let stop = |seq: u32, kind: StopKind, place: &str| SheetStop {
        seq,
        kind,
        eta_s: 8 * 3600 + seq as i64 * 600,
        window: (seq == 2).then(|| "08:00–09:00".to_string()),
        place: place.to_string(),
        unit: Some("2".into()),
        floor: Some(5),
        address: Some("502".into()),
        resident: Some("王<奶奶>".into()),
        phone: Some("138 0000 0000".into()),
        items: vec![SheetItem {
            name: "大米".into(),
            quantity: 1,
            weight_kg: 10.0,
            kind: ItemKind::Food,
        }],
        notes: Some("敲门要用力：听力不好".into()),
        priority: Priority::Routine,
        request_id: Some(format!("r{seq}")),
        trip: 1,
        load_after_kg: 5.0,
        gate_drop: false,
    };
    SheetData {
        office_name: "春熙路街道".into(),
        coordinator_name: Some("李主任".into()),
        coordinator_phone: "028-1234 5678".into(),
        date: "2025-01-15".into(),
        squad_id: "A".into(),
        squad_name: Some("第一小分队".into()),
        members: vec!["张三".into()],
        squad_phone: None,
        profile: crate::dto::Profile::Walk,
        start_s: 8 * 3600,
        end_s: 11 * 3600,
        start_place: "街道办".into(),
        end_place: "街道办".into(),
        distance_m: 3200,
        trips: 1,
        stops: vec![
            stop(1, StopKind::Delivery, "3栋"),
            stop(2, StopKind::Visit, "5栋"),
        ],
        map: MapData {
            legs: vec![
                vec![(30.0, 104.0), (30.001, 104.001)],
                vec![(30.001, 104.001), (30.002, 104.0)],
            ],
            start: Some((30.0, 104.0)),
            stops: vec![(1, 30.001, 104.001), (2, 30.002, 104.0)],
            background: vec![],
        },
        sheet_version: 1,
        changed: false,
    }
}

#[test]
fn user_text_is_escaped_and_everything_shown() {
    let html = render(&sample(), Lang::Zh);
    assert!(html.contains("王&lt;奶奶&gt;"));
    assert!(!html.contains("王<奶奶>"));
    for needle in [
        "028-1234 5678",
        ">3栋</span> <span class=\"nw\">2单元</span> <span class=\"nw\">5楼",
        "08:10",
        "大米 (10 kg)",
        "敲门要用力",
        "已送达",
        "<svg",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    let en = render(&sample(), Lang::En);
    assert!(en.contains("Delivered") && en.contains("unit 2</span>, <span class=\"nw\">floor 5"));
}

#[test]
fn route_hash_ignores_version_but_not_stops() {
    let a = sample();
    let mut b = a.clone();
    b.sheet_version = 7;
    b.changed = true;
    assert_eq!(a.route_hash(), b.route_hash());
    b.stops.swap(0, 1);
    assert_ne!(a.route_hash(), b.route_hash());
    assert_eq!(render(&a, Lang::Zh), render(&a.clone(), Lang::Zh));
}
