use super::*;

fn day_json() -> serde_json::Value {
    serde_json::json!({
        "street_office": {"id": "so", "name": "Office", "coordinator_phone": "123"},
        "date": "2025-01-15",
        "depots": [{"id": "d", "name": "Office", "lat": 30.0, "lon": 104.0}],
        "squads": [{"id": "A", "depot": "d", "shift": {"start": "08:00", "end": "12:00"}}],
        "requests": [{"id": "r1", "lat": 30.001, "lon": 104.001, "items": [{"name": "rice", "weight_kg": 10}]}]
    })
}

fn first_error(v: serde_json::Value) -> FieldError {
    let bytes = serde_json::to_vec(&v).unwrap();
    match parse_day(&bytes) {
        Err(e) => e,
        Ok(mut d) => check_day(&mut d).unwrap_err().remove(0),
    }
}

#[test]
fn a_good_day_passes() {
    let mut d = parse_day(&serde_json::to_vec(&day_json()).unwrap()).unwrap();
    check_day(&mut d).unwrap();
    assert_eq!(d.squads[0].capacity_kg, 15.0);
    assert_eq!(d.squads[0].shift.start, Clock(8 * 3600));
}

#[test]
fn unknown_field_is_named_with_its_path() {
    let mut v = day_json();
    v["requests"][0]["items"][0]["weight"] = 3.into();
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::UnknownField, "requests[0].items[0].weight")
    );
}

#[test]
fn missing_field_points_at_the_field() {
    let mut v = day_json();
    v["squads"][0].as_object_mut().unwrap().remove("depot");
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::MissingField, "squads[0].depot")
    );
}

#[test]
fn wrong_units_and_types() {
    let mut v = day_json();
    v["requests"][0]["items"][0]["weight_kg"] = "10 kg".into();
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::InvalidType, "requests[0].items[0].weight_kg")
    );

    let mut v = day_json();
    v["squads"][0]["shift"]["start"] = "8am".into();
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::InvalidTime, "squads[0].shift.start")
    );

    let mut v = day_json();
    v["requests"][0]["items"][0]["weight_kg"] = 10000.into();
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::OutOfRange, "requests[0].items[0].weight_kg")
    );
}

#[test]
fn impossible_window_and_references() {
    let mut v = day_json();
    v["requests"][0]["windows"] = serde_json::json!([{"start": "10:00", "end": "09:00"}]);
    v["squads"][0]["depot"] = "nowhere".into();
    let bytes = serde_json::to_vec(&v).unwrap();
    let errs = check_day(&mut parse_day(&bytes).unwrap()).unwrap_err();
    let got: Vec<_> = errs.iter().map(|e| (e.code, e.path.as_str())).collect();
    assert!(
        got.contains(&(ErrorCode::ImpossibleWindow, "requests[0].windows[0]")),
        "{got:?}"
    );
    assert!(
        got.contains(&(ErrorCode::UnknownReference, "squads[0].depot")),
        "{got:?}"
    );
}

#[test]
fn a_start_is_a_time_of_day_and_only_an_end_passes_midnight() {
    let mut v = day_json();
    v["requests"][0]["windows"] = serde_json::json!([{"start": "25:00", "end": "26:00"}]);
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::InvalidTime, "requests[0].windows[0].start")
    );
    let mut v = day_json();
    v["squads"][0]["shift"] = serde_json::json!({"start": "24:30", "end": "30:00"});
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::InvalidTime, "squads[0].shift.start")
    );
    // A night shift and a window that run past midnight.
    let mut v = day_json();
    v["squads"][0]["shift"] = serde_json::json!({"start": "20:00", "end": "26:00"});
    v["requests"][0]["windows"] = serde_json::json!([{"start": "22:00", "end": "24:00"}]);
    let mut d = parse_day(&serde_json::to_vec(&v).unwrap()).unwrap();
    check_day(&mut d).unwrap();
}

/// A day whose requests come as CSV text.
fn csv_day(csv: &str) -> DayRequest {
    let mut v = day_json();
    v["requests"] = serde_json::json!([]);
    v["requests_csv"] = csv.into();
    parse_day(&serde_json::to_vec(&v).unwrap()).unwrap()
}

#[test]
fn csv_errors_of_meaning_name_the_line_and_column() {
    let csv = "id,lat,lon,item,weight_kg,pickup,floor\n\
               r1,30.001,104.001,rice,10,d,3\n\
               r2,30.001,104.001,rice,10,pharmacy,3\n\
               r2,,,oil,500,,\n\
               r3,30.001,104.001,rice,1,,300\n\
               ,30.001,104.001,rice,1,,\n\
               r4,95,104.001,rice,1kg,,\n";
    let errs = check_day(&mut csv_day(csv)).unwrap_err();
    let got: Vec<_> = errs.iter().map(|e| (e.code, e.path.as_str())).collect();
    assert_eq!(
        got,
        [
            (ErrorCode::UnknownReference, "requests_csv[line 3].pickup"),
            (ErrorCode::OutOfRange, "requests_csv[line 4].weight_kg"),
            (ErrorCode::OutOfRange, "requests_csv[line 5].floor"),
            (ErrorCode::MissingField, "requests_csv[line 6].id"),
            (ErrorCode::OutOfRange, "requests_csv[line 7].lat"),
            (ErrorCode::InvalidType, "requests_csv[line 7].weight_kg"),
        ]
    );
    // Errors elsewhere in the day come first, then the file's in its order.
    let mut d = csv_day(csv);
    d.squads[0].depot = "nowhere".into();
    let errs = check_day(&mut d).unwrap_err();
    assert_eq!(errs[0].path, "squads[0].depot");
    assert_eq!(errs[1].path, "requests_csv[line 3].pickup");
    // The JSON paths are unchanged for JSON requests.
    let mut v = day_json();
    v["requests"][0]["pickup"] = "nowhere".into();
    assert_eq!(first_error(v).path, "requests[0].pickup");
}

#[test]
fn a_csv_with_many_mistakes_lists_the_first_hundred_in_order() {
    let mut csv = String::from("id,lat,lon,weight_kg\n");
    for i in 0..300 {
        // Odd rows are unreadable, even rows out of range.
        if i % 2 == 0 {
            csv.push_str(&format!("r{i},30.001,104.001,900\n"));
        } else {
            csv.push_str(&format!("r{i},30.001,104.001,x\n"));
        }
    }
    let errs = check_day(&mut csv_day(&csv)).unwrap_err();
    assert_eq!(errs.len(), MAX_LISTED_ERRORS);
    for (k, e) in errs.iter().enumerate() {
        assert_eq!(e.path, format!("requests_csv[line {}].weight_kg", k + 2));
    }
}

#[test]
fn a_csv_of_unreadable_rows_does_not_also_say_it_has_no_requests() {
    let errs = check_day(&mut csv_day("id,lat,lon\nr1,30.001,104.001,x\n")).unwrap_err();
    let got: Vec<_> = errs.iter().map(|e| (e.code, e.path.as_str())).collect();
    assert_eq!(got, [(ErrorCode::CsvError, "requests_csv[line 2]")]);
}

#[test]
fn malformed_json() {
    let e = parse_day(b"{\"date\": ").unwrap_err();
    assert_eq!(e.code, ErrorCode::MalformedJson);
}

#[test]
fn data_after_the_document_is_malformed() {
    let good = serde_json::to_vec(&day_json()).unwrap();
    for tail in [&b"x"[..], b"{}", b" []", b"\n{\"date\":1}"] {
        let mut body = good.clone();
        body.extend_from_slice(tail);
        let e = parse_day(&body).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            (ErrorCode::MalformedJson, ""),
            "{tail:?}"
        );
    }
    let mut body = good.clone();
    body.extend_from_slice(b" \r\n\t ");
    parse_day(&body).expect("trailing white space is fine");
}

#[test]
fn dates_are_calendar_days() {
    for bad in [
        "2025-02-30",
        "2025-02-29",
        "2025-04-31",
        "1900-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-1-15",
        "+025-01-15",
        "2025-01-1x",
    ] {
        let mut v = day_json();
        v["date"] = bad.into();
        let e = first_error(v);
        assert_eq!(
            (e.code, e.path.as_str()),
            (ErrorCode::InvalidValue, "date"),
            "{bad}"
        );
    }
    for good in ["2024-02-29", "2000-02-29", "2025-12-31", "2025-01-31"] {
        let mut v = day_json();
        v["date"] = good.into();
        let mut d = parse_day(&serde_json::to_vec(&v).unwrap()).unwrap();
        check_day(&mut d).unwrap_or_else(|e| panic!("{good}: {e:?}"));
    }
}

#[test]
fn too_many_requests_is_a_limit() {
    let mut v = day_json();
    let r = v["requests"][0].clone();
    let many: Vec<_> = (0..MAX_REQUESTS + 1)
        .map(|i| {
            let mut r = r.clone();
            r["id"] = format!("r{i}").into();
            r
        })
        .collect();
    v["requests"] = many.into();
    let e = first_error(v);
    assert_eq!(
        (e.code, e.path.as_str()),
        (ErrorCode::LimitExceeded, "requests")
    );
}

#[test]
fn clock_parses_and_formats() {
    assert_eq!(Clock::parse("08:30").unwrap(), Clock(8 * 3600 + 1800));
    assert_eq!(
        Clock::parse("8:05:07").unwrap(),
        Clock(8 * 3600 + 5 * 60 + 7)
    );
    assert!(Clock::parse("24:60").is_err());
    assert!(Clock::parse("0830").is_err());
    assert_eq!(Clock::format(8 * 3600 + 59), "08:00");
}
