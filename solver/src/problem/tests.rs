use super::*;

fn tiny() -> ProblemBuilder {
    let m = Matrix::from_distances(2, vec![0, 1, 1, 0]).unwrap();
    let mut b = ProblemBuilder::new(1);
    b.matrix(m);
    b.vehicle(Vehicle::new("v", ProfileIdx(0), LocIdx(0), vec![5]));
    b
}

fn job(id: &str, loc: u32, windows: Vec<TimeWindow>) -> Job {
    Job {
        id: id.into(),
        kind: JobKind::Delivery(Task::new(LocIdx(loc), 0, windows)),
        demand: vec![1],
        priority: Priority::Routine,
        skills: Skills::NONE,
        prize: None,
        max_carry: None,
    }
}

#[test]
fn window_ending_before_start_is_refused() {
    let mut b = tiny();
    b.job(job("a", 1, vec![TimeWindow::new(10, 5)]));
    assert!(matches!(
        b.build(),
        Err(ProblemError::WindowEndsBeforeStart { .. })
    ));
}

#[test]
fn location_out_of_range_is_refused() {
    let mut b = tiny();
    b.job(job("a", 7, vec![]));
    assert!(matches!(
        b.build(),
        Err(ProblemError::LocationOutOfRange { location: 7, .. })
    ));
}

#[test]
fn wrong_matrix_size_is_refused() {
    assert!(matches!(
        Matrix::from_distances(3, vec![0; 4]),
        Err(ProblemError::MatrixSize { .. })
    ));
}

#[test]
fn windows_are_merged_and_defaulted() {
    let mut b = tiny();
    b.job(job(
        "a",
        1,
        vec![
            TimeWindow::new(5, 10),
            TimeWindow::new(0, 6),
            TimeWindow::new(20, 30),
        ],
    ));
    b.job(job("b", 1, vec![]));
    let p = b.build().unwrap();
    let JobKind::Delivery(t) = &p.jobs()[0].kind else {
        unreachable!()
    };
    assert_eq!(
        t.windows,
        vec![TimeWindow::new(0, 10), TimeWindow::new(20, 30)]
    );
    let JobKind::Delivery(t) = &p.jobs()[1].kind else {
        unreachable!()
    };
    assert_eq!(t.windows, vec![TimeWindow::ALWAYS]);
}

#[test]
fn prizes_are_lexicographic_by_priority() {
    let mut b = tiny();
    b.job(job("a", 1, vec![]));
    let mut urgent = job("b", 1, vec![]);
    urgent.priority = Priority::Urgent;
    b.job(urgent);
    let p = b.build().unwrap();
    assert_eq!(
        p.prize(JobIdx(1)),
        p.prize(JobIdx(0)) * PRIORITY_RATIO * PRIORITY_RATIO
    );
    // Any route cost is far below one routine prize.
    assert!(p.prize(JobIdx(0)) > 4);
}
