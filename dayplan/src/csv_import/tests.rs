use super::*;

/// Reads a CSV as the service does; panics listing the errors when any.
fn ok(csv: &str) -> Vec<Request> {
    let imp = parse_requests(csv);
    let errs: Vec<_> = imp.errors.iter().map(|l| &l.error).collect();
    assert!(errs.is_empty(), "{errs:#?}");
    imp.requests
}

/// The (code, path) of every reading error, in order.
fn errors(csv: &str) -> Vec<(ErrorCode, String)> {
    parse_requests(csv)
        .errors
        .into_iter()
        .map(|l| (l.error.code, l.error.path))
        .collect()
}

fn e(code: ErrorCode, path: &str) -> (ErrorCode, String) {
    (code, path.to_string())
}

#[test]
fn rows_with_the_same_id_add_items() {
    let csv = "id,resident,lat,lon,item,weight_kg,item_kind,priority,window_start,window_end\n\
               r1,Wang,30.1,104.1,rice,10,food,,08:00,10:00\n\
               r1,,,,milk,1,chilled,,,\n\
               r2,Li,30.2,104.2,insulin,0.1,medicine,urgent,,\n";
    let reqs = ok(csv);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].items.len(), 2);
    assert_eq!(reqs[0].items[1].kind, ItemKind::Chilled);
    assert_eq!(reqs[0].windows[0].end, Clock(10 * 3600));
    assert_eq!(reqs[1].priority, Some(Priority::Urgent));
}

#[test]
fn errors_name_line_and_column() {
    let csv = "id,lat,lon,item,weight_kg\nr1,30.1,104.1,rice,10kg\n";
    let imp = parse_requests(csv);
    assert_eq!(imp.errors[0].error.path, "requests_csv[line 2].weight_kg");
    assert_eq!(imp.errors[0].error.code, ErrorCode::InvalidType);
    assert!(
        imp.errors[0].error.message.ends_with("(cell E2)"),
        "{:?}",
        imp.errors[0].error
    );
    assert_eq!(
        errors("id,weight\nr1,3\n"),
        [e(ErrorCode::UnknownField, "requests_csv[line 1].weight")]
    );
}

#[test]
fn every_mistake_is_listed_at_once() {
    let csv = "id,lat,lon,item,weight_kg,window_start\n\
               r1,30.1,104.1,rice,10kg,08:00\n\
               r2,30.1,east,rice,10,08:00\n\
               r3,30.1,104.1,rice,10,8am\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::InvalidType, "requests_csv[line 2].weight_kg"),
            e(ErrorCode::InvalidType, "requests_csv[line 3].lon"),
            e(ErrorCode::InvalidTime, "requests_csv[line 4].window_start"),
        ]
    );
    // An unknown column does not stop the rows from being read.
    let csv = "id,lat,lon,weight\nr1,30.1,north,3\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::UnknownField, "requests_csv[line 1].weight"),
            e(ErrorCode::InvalidType, "requests_csv[line 2].lon"),
        ]
    );
}

#[test]
fn lines_are_the_spreadsheets_rows() {
    // Excel writes \r\n; the header is row 1 whatever the line endings,
    // an empty line is a row, and a cell holding a line break is one row.
    for eol in ["\n", "\r\n", "\r"] {
        let csv = [
            "\u{feff}id,lat,lon,notes",
            "r1,30.1,104.1,\"ring twice\nthen wait\"",
            "",
            "r2,30.1,x,",
            "r3,30.1,104.1,",
            "r4,30.1,y,",
        ]
        .join(eol);
        assert_eq!(
            errors(&csv),
            [
                e(ErrorCode::InvalidType, "requests_csv[line 4].lon"),
                e(ErrorCode::InvalidType, "requests_csv[line 6].lon"),
            ],
            "line endings {eol:?}"
        );
    }
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_named() {
    let csv = "id,lat,lon\r\nr1,30.1,104.1\r\nr2,30,1,104.1\r\nr3,30.1\r\nr4,30.1,104.1\r\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::CsvError, "requests_csv[line 3]"),
            e(ErrorCode::CsvError, "requests_csv[line 4]"),
        ]
    );
    // Empty spreadsheet rows (a line of commas) are skipped.
    assert_eq!(ok("id,lat,lon\nr1,30.1,104.1\n,,\n,,\n").len(), 1);
}

#[test]
fn item_columns_without_an_item_name() {
    let csv = "id,resident,lat,lon,weight_kg,quantity,item_kind\n\
               A,王,30.6521,104.0531,25,3,medicine\n";
    let reqs = ok(csv);
    let it = &reqs[0].items[0];
    assert_eq!(
        (it.weight_kg, it.quantity, it.kind, it.name.as_str()),
        (
            25.0,
            3,
            ItemKind::Medicine,
            ItemKind::Medicine.default_name()
        )
    );
    // A weight alone is an item too.
    let reqs = ok("id,lat,lon,weight_kg\nA,30.6,104.0,4\n");
    assert_eq!(reqs[0].items[0].weight_kg, 4.0);
    assert_eq!(reqs[0].items[0].quantity, 1);

    let csv = "id,lat,lon,weight_kg,quantity,item_kind\nA,30.6,104.0,abc,-7,teleport\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::InvalidType, "requests_csv[line 2].weight_kg"),
            e(ErrorCode::OutOfRange, "requests_csv[line 2].quantity"),
            e(ErrorCode::InvalidValue, "requests_csv[line 2].item_kind"),
        ]
    );
    assert_eq!(
        errors("id,lat,lon,floor,quantity,service_s\nA,30.6,104.0,3.5,2.5,-1\n"),
        [
            e(ErrorCode::InvalidValue, "requests_csv[line 2].floor"),
            e(ErrorCode::InvalidValue, "requests_csv[line 2].quantity"),
            e(ErrorCode::OutOfRange, "requests_csv[line 2].service_s"),
        ]
    );
}

#[test]
fn continuation_rows_are_read_and_must_agree() {
    let csv = "id,lat,lon,item,weight_kg,pickup,window_start,window_end,priority\n\
               r1,30.1,104.1,rice,10,pharmacy,08:00,10:00,\n\
               r1,30.1,104.10,milk,1,pharmacy,,10:00,\n\
               r1,,,oil,1,elsewhere,garbage,,\n\
               r1,,,eggs,x,,,,urgent\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::InvalidValue, "requests_csv[line 4].pickup"),
            e(ErrorCode::InvalidTime, "requests_csv[line 4].window_start"),
            e(ErrorCode::InvalidType, "requests_csv[line 5].weight_kg"),
            e(ErrorCode::InvalidValue, "requests_csv[line 5].priority"),
        ]
    );
    let imp = parse_requests(csv);
    let msg = &imp.errors[0].error.message;
    assert!(
        msg.contains("\"pharmacy\"") && msg.contains("line 2"),
        "{msg}"
    );
    // Every item row still counts: the request has four items.
    assert_eq!(imp.requests.len(), 1);
    assert_eq!(imp.requests[0].items.len(), 4);
    assert_eq!(imp.source.requests[0].items, [2, 3, 4, 5]);
}

#[test]
fn times_of_day_and_windows_past_midnight() {
    let head = "id,lat,lon,window_start,window_end\n";
    assert_eq!(
        errors(&format!("{head}r1,30.1,104.1,25:00,26:00\n")),
        [e(
            ErrorCode::InvalidTime,
            "requests_csv[line 2].window_start"
        )]
    );
    // An end past midnight runs into the next day, after its start...
    let reqs = ok(&format!(
        "{head}r1,30.1,104.1,22:00,26:30\nr2,30.1,104.1,,24:00\n"
    ));
    assert_eq!(reqs[0].windows[0].end, Clock(26 * 3600 + 1800));
    assert_eq!(reqs[1].windows[0].start, Clock(0));
    assert_eq!(reqs[1].windows[0].end, Clock(Clock::DAY));
    // ...and only with a start.
    assert_eq!(
        errors(&format!("{head}r1,30.1,104.1,,25:00\n")),
        [e(ErrorCode::InvalidTime, "requests_csv[line 2].window_end")]
    );
    assert_eq!(
        errors(&format!("{head}r1,30.1,104.1,08:00,48:00\n")),
        [e(ErrorCode::InvalidTime, "requests_csv[line 2].window_end")]
    );
}

#[test]
fn the_header_is_checked() {
    assert_eq!(
        errors("lat,lon\n30.1,104.1\n"),
        [e(ErrorCode::MissingField, "requests_csv[line 1].id")]
    );
    assert!(parse_requests("lat,lon\n30.1,104.1\n").fatal);
    assert!(parse_requests("").fatal);
    assert_eq!(
        errors("id,lat,LAT,lon\nr1,30.1,30.2,104.1\n"),
        [e(ErrorCode::InvalidValue, "requests_csv[line 1].lat")]
    );
    // A value under a column without a name would be lost.
    assert_eq!(
        errors("id,lat,lon,\nr1,30.1,104.1,\nr2,30.1,104.1,x\n"),
        [e(ErrorCode::UnknownField, "requests_csv[line 3]")]
    );
    assert_eq!(
        errors("id,lat,lon\n"),
        [e(ErrorCode::MissingField, "requests_csv")]
    );
}

#[test]
fn a_row_without_an_id_is_named_and_its_cells_checked() {
    let csv = "id,lat,lon,item,weight_kg\nr1,30.1,104.1,rice,10\n,,,oil,x\n";
    assert_eq!(
        errors(csv),
        [
            e(ErrorCode::MissingField, "requests_csv[line 3].id"),
            e(ErrorCode::InvalidType, "requests_csv[line 3].weight_kg"),
        ]
    );
    assert_eq!(parse_requests(csv).requests.len(), 1);
}

#[test]
fn cells_are_named_like_a_spreadsheet() {
    assert_eq!(cell_name(0, 1), "A1");
    assert_eq!(cell_name(25, 7), "Z7");
    assert_eq!(cell_name(26, 7), "AA7");
    assert_eq!(cell_name(27, 2), "AB2");
}

#[test]
fn later_errors_move_back_to_their_cell() {
    let csv = "id,lat,lon,item,weight_kg,pickup\n\
               r1,30.1,104.1,rice,10,pharmacy\n\
               r2,30.1,104.1,rice,10,\n\
               r2,,,oil,500,\n\
               r3,north,104.1,rice,1,\n";
    let src = parse_requests(csv).source;
    let at = |p: &str| {
        src.locate(FieldError::new(ErrorCode::OutOfRange, p, "m"))
            .map(|(_, e)| e.path)
    };
    assert_eq!(
        at("requests[0].pickup").unwrap(),
        "requests_csv[line 2].pickup"
    );
    assert_eq!(
        at("requests[1].items[1].weight_kg").unwrap(),
        "requests_csv[line 4].weight_kg"
    );
    assert_eq!(
        at("requests[1].items[0].name").unwrap(),
        "requests_csv[line 3].item"
    );
    assert_eq!(
        at("requests[0].windows[0]").unwrap(),
        "requests_csv[line 2].window_end"
    );
    assert_eq!(at("requests[1]").unwrap(), "requests_csv[line 3]");
    assert_eq!(at("requests").unwrap(), "requests_csv");
    assert_eq!(at("squads[0].depot").unwrap(), "squads[0].depot");
    // r3's lat is unreadable: "lat missing" would repeat that error.
    assert_eq!(at("requests[2].lat"), None);
    assert_eq!(at("requests[2]"), None);
    let (_, e) = src
        .locate(FieldError::new(
            ErrorCode::UnknownReference,
            "requests[0].pickup",
            "no depot",
        ))
        .unwrap();
    assert_eq!(e.message, "no depot (cell F2)");
}
