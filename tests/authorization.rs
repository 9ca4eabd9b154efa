//! The authorization matrix: every operation at every permission level, 0 to 7, answers what
//! the table says: ✓ allowed, U UNAUTHENTICATED, F FORBIDDEN. The README carries the same
//! table, and this test checks it does.

use rollcall::auth::identity::{AccountStatus, Role};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::accounts::{PASSWORD, TestUser};

/// One row: an operation and what each level gets.
struct Row {
    operation: &'static str,
    query: &'static str,
    expected: &'static str,
}

/// Levels: 0 anonymous, 1 unconfirmed, 2 user, 3 employee, 4 manager, 5 head manager,
/// 6 owner, 7 admin.
const ROWS: &[Row] = &[
    Row {
        operation: "`register`",
        query: r#"mutation ($n: String!) { register(input: {email: $n, username: $n, password: "x", name: "x"}) { id } }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`confirmEmail`",
        query: r#"mutation { confirmEmail(token: "nope") { id } }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`resendConfirmation`",
        query: r#"mutation { resendConfirmation(email: "someone@example.com") }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`login`",
        query: r#"mutation ($p: String!) { login(input: {login: "target", password: $p}) { accessToken } }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`refreshToken`",
        query: r#"mutation { refreshToken(refreshToken: "nope") { accessToken } }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`me` (with its `email` and `sessions`)",
        query: "{ me { email sessions { id } } }",
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`logout`",
        query: "mutation { logout }",
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`logoutAll`",
        query: "mutation { logoutAll }",
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`revokeSession` (own session)",
        query: "mutation ($own: ID!) { revokeSession(id: $own) }",
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`user`",
        query: "query ($target: ID!) { user(id: $target) { id } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`userByUsername`",
        query: r#"{ userByUsername(username: "target") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`User.email` (another account)",
        query: r#"{ userByUsername(username: "target") { email } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`User.sessions` (another account)",
        query: r#"{ userByUsername(username: "target") { sessions { id } } }"#,
        expected: "UFFFFFF✓",
    },
    Row {
        operation: "`users`",
        query: "{ users { nodes { id } } }",
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`setUserStatus`",
        query: "mutation ($target: ID!) { setUserStatus(userId: $target, status: ACTIVE) { id } }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`setUserRole`",
        query: "mutation ($target: ID!) { setUserRole(userId: $target, role: USER) { __typename } }",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`pendingRoleChanges`",
        query: "{ pendingRoleChanges { id } }",
        expected: "UFFFFF✓F",
    },
    Row {
        operation: "`confirmRoleChange`",
        query: r#"mutation { confirmRoleChange(id: "999999") { id } }"#,
        expected: "UFFFFF✓F",
    },
    Row {
        operation: "`rejectRoleChange`",
        query: r#"mutation { rejectRoleChange(id: "999999") }"#,
        expected: "UFFFFF✓F",
    },
    Row {
        operation: "`deleteAccount`",
        query: r#"mutation { deleteAccount(password: "wrong") }"#,
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`deleteUser`",
        query: r#"mutation { deleteUser(id: "999999") }"#,
        expected: "UFFFFFF✓",
    },
    Row {
        operation: "`authEvents` (own)",
        query: "{ authEvents { nodes { kind } } }",
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`authEvents` (another account)",
        query: "query ($target: ID!) { authEvents(userId: $target) { nodes { kind } } }",
        expected: "UFFFFFF✓",
    },
    Row {
        operation: "`changePassword`",
        query: r#"mutation { changePassword(currentPassword: "x", newPassword: "x") }"#,
        expected: "U✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`requestPasswordReset`",
        query: r#"mutation { requestPasswordReset(email: "someone@example.com") }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`resetPassword`",
        query: r#"mutation { resetPassword(input: {email: "someone@example.com", code: "000000", newPassword: "x"}) }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`changeEmail`",
        query: r#"mutation { changeEmail(newEmail: "x", password: "x") }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`changeUsername`",
        query: r#"mutation { changeUsername(newUsername: "X") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`updateProfile`",
        query: "mutation { updateProfile(input: {}) { id } }",
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`uploadAvatar`",
        // Sent as JSON, the string names no file: levels that pass the guard get
        // BAD_USER_INPUT (the guard runs before the file is looked for).
        query: r#"mutation { uploadAvatar(file: "none") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`companies`",
        query: r#"{ companies { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`company`",
        query: r#"{ company(id: "999999") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`User.companies`, `User.employees` (own account)",
        query: r#"{ me { companies { id } employees { id } } }"#,
        expected: "✓FF✓✓✓✓✓",
    },
    Row {
        operation: "`Company.members`",
        query: r#"{ companies { nodes { members { id } } } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`Company.kiosks`",
        query: r#"{ companies { nodes { kiosks { id } } } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`createCompany`",
        query: r#"mutation ($n: String!) { createCompany(input: {name: $n, timeZone: "UTC"}) { id } }"#,
        expected: "UFFFFF✓✓",
    },
    Row {
        operation: "`updateCompany`",
        query: r#"mutation { updateCompany(id: "999999", input: {name: "x"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`addCompanyMember`",
        query: r#"mutation ($target: ID!) { addCompanyMember(companyId: "999999", userId: $target) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`removeCompanyMember`",
        query: r#"mutation ($target: ID!) { removeCompanyMember(companyId: "999999", userId: $target) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`employees`",
        query: r#"{ employees { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`employee`",
        query: r#"{ employee(id: "999999") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`createEmployee`",
        query: r#"mutation { createEmployee(input: {companyId: "999999", name: "x", annualHours: 1}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateEmployee`",
        query: r#"mutation { updateEmployee(id: "999999", input: {name: "x"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`deleteEmployee`",
        query: r#"mutation { deleteEmployee(id: "999999") }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`eraseEmployee`",
        query: r#"mutation { eraseEmployee(id: "999999") { id } }"#,
        expected: "UFFFFF✓✓",
    },
    Row {
        operation: "`setEmployeePin`",
        query: r#"mutation { setEmployeePin(employeeId: "999999", pin: "1234") }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`workSessions`",
        query: r#"{ workSessions { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`workSession`",
        query: r#"{ workSession(id: "999999") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`clockIn`",
        query: r#"mutation { clockIn { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`clockOut`",
        query: r#"mutation { clockOut { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`createWorkSession`",
        query: r#"mutation { createWorkSession(input: {employeeId: "999999", start: "2026-11-30T08:00:00Z"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateWorkSession`",
        query: r#"mutation { updateWorkSession(id: "999999", input: {note: "x"}, reason: "typo") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`deleteWorkSession`",
        query: r#"mutation { deleteWorkSession(id: "999999", reason: "typo") }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`clockedIn`",
        query: r#"{ clockedIn(companyId: "999999") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`registerKiosk`",
        query: r#"mutation { registerKiosk(companyId: "999999", name: "Door") { token } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`revokeKiosk`",
        query: r#"mutation { revokeKiosk(id: "999999") }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`kioskClock` (with an account's token)",
        query: r#"mutation { kioskClock(input: {fingerprint: "x"}) { kind } }"#,
        expected: "UFFFFFFF",
    },
    Row {
        operation: "`timesheet`",
        query: r#"{ timesheet(employeeId: "999999", weekOf: "2026-12-01") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`timesheets`",
        query: r#"{ timesheets { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`addTimesheetEntry`",
        query: r#"mutation { addTimesheetEntry(input: {timesheetId: "999999:2026-11-29", date: "2026-12-01", start: "09:00", end: "17:00"}) { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`updateTimesheetEntry`",
        query: r#"mutation { updateTimesheetEntry(id: "999999", input: {breakMinutes: 5}) { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`deleteTimesheetEntry`",
        query: r#"mutation { deleteTimesheetEntry(id: "999999") }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`importClockedTime`",
        query: r#"mutation { importClockedTime(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`addScheduleEntry`",
        query: r#"mutation { addScheduleEntry(input: {timesheetId: "999999:2026-11-29", date: "2026-12-01", start: "09:00", end: "17:00"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateScheduleEntry`",
        query: r#"mutation { updateScheduleEntry(id: "999999", input: {location: "x"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`deleteScheduleEntry`",
        query: r#"mutation { deleteScheduleEntry(id: "999999") }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`copySchedule`",
        query: r#"mutation { copySchedule(companyId: "999999", fromWeek: "2026-11-22", toWeek: "2026-11-29") { copied } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`submitSchedule`",
        query: r#"mutation { submitSchedule(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`withdrawSchedule`",
        query: r#"mutation { withdrawSchedule(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`submitHours`",
        query: r#"mutation { submitHours(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`reviewHours`",
        query: r#"mutation { reviewHours(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`rejectHours`",
        query: r#"mutation { rejectHours(timesheetId: "999999:2026-11-29", reason: "x") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`finalizeTimesheet`",
        query: r#"mutation { finalizeTimesheet(timesheetId: "999999:2026-11-29") { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`reopenTimesheet`",
        query: r#"mutation { reopenTimesheet(timesheetId: "999999:2026-11-29", reason: "x") { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`addNote`",
        query: r#"mutation { addNote(input: {timesheetId: "999999:2026-11-29", kind: COMMENT, body: "x"}) { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`addNote` (a REPORT)",
        query: r#"mutation { addNote(input: {timesheetId: "999999:2026-11-29", kind: REPORT, reportType: OTHER, body: "x"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`resolveNote`",
        query: r#"mutation { resolveNote(id: "999999") { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`openReports`",
        query: r#"{ openReports(companyId: "999999") { nodes { id } } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`absences`",
        query: r#"{ absences { nodes { id } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`requestAbsence`",
        query: r#"mutation { requestAbsence(input: {employeeId: "999999", kind: VACATION, from: "2026-12-21", to: "2026-12-24"}) { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`cancelAbsence`",
        query: r#"mutation { cancelAbsence(id: "999999") }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`approveAbsence`",
        query: r#"mutation { approveAbsence(id: "999999") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`rejectAbsence`",
        query: r#"mutation { rejectAbsence(id: "999999", reason: "x") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`holidays`",
        query: r#"{ holidays(companyId: "999999", year: 2026) { date } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`setCompanyHolidays`",
        query: r#"mutation { setCompanyHolidays(companyId: "999999", year: 2026, holidays: []) { date } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`GET /exports/timesheets.csv`",
        query: "GET /exports/timesheets.csv?companyId=999999&week=2026-11-29",
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`locations`",
        query: r#"{ locations { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`location`",
        query: r#"{ location(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`groups`",
        query: r#"{ groups { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`group`",
        query: r#"{ group(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`lessons`",
        query: r#"{ lessons { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`lesson`",
        query: r#"{ lesson(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`prices`",
        query: r#"{ prices { nodes { id } } }"#,
        expected: "✓✓✓✓✓✓✓✓",
    },
    Row {
        operation: "`createLocation`",
        query: r#"mutation { createLocation(input: {companyId: "999999", name: "Hall", timeZone: "UTC"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`updateLocation`",
        query: r#"mutation { updateLocation(id: "999999", input: {name: "Hall"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`createPrice`",
        query: r#"mutation { createPrice(input: {companyId: "999999", name: "Ten", amount: {amount: "10", currency: "EUR"}, validityDays: 30}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`updatePrice`",
        query: r#"mutation { updatePrice(id: "999999", input: {name: "Ten"}) { id } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`createGroup`",
        query: r#"mutation { createGroup(input: {locationId: "999999", name: "Yoga", capacity: 10}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateGroup`",
        query: r#"mutation { updateGroup(id: "999999", input: {name: "Yoga"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`createLesson`",
        query: r#"mutation { createLesson(input: {groupId: "999999", date: "2026-12-07", start: "18:00", end: "19:00"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`createLessons`",
        query: r#"mutation { createLessons(groupId: "999999", weekly: [{weekday: MONDAY, start: "18:00", end: "19:00"}], from: "2026-12-07", to: "2026-12-14") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateLesson`",
        query: r#"mutation { updateLesson(id: "999999", input: {topic: "x"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`cancelLesson`",
        query: r#"mutation { cancelLesson(id: "999999") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`clients`",
        query: r#"{ clients { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`client`",
        query: r#"{ client(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`contracts`",
        query: r#"{ contracts { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`contract`",
        query: r#"{ contract(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`clientSubscriptions`",
        query: r#"{ clientSubscriptions { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`clientSubscription`",
        query: r#"{ clientSubscription(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`User.clients` (own account)",
        query: r#"{ me { clients { id } } }"#,
        expected: "✓F✓✓✓✓✓✓",
    },
    Row {
        operation: "`createClient`",
        query: r#"mutation { createClient(input: {companyId: "999999", name: "Ann"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateClient`",
        query: r#"mutation { updateClient(id: "999999", input: {name: "Ann"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`anonymizeClient`",
        query: r#"mutation { anonymizeClient(id: "999999") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`createContract`",
        query: r#"mutation { createContract(input: {clientId: "999999", number: "C-1", validFrom: "2026-12-01"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateContract`",
        query: r#"mutation { updateContract(id: "999999", input: {number: "C-1"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`createClientSubscription`",
        query: r#"mutation { createClientSubscription(input: {clientId: "999999", priceId: "999999"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateClientSubscription`",
        query: r#"mutation { updateClientSubscription(id: "999999", input: {status: PAUSED}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`setAttendance`",
        query: r#"mutation { setAttendance(lessonId: "999999", entries: []) { id } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`statistics` (with its `overview`)",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { overview { lessonsHeld } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`Statistics.employees`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { employees { lessonsTaught } } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`Statistics.employee`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { employee(id: "999999") { lessonsTaught } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`Statistics.locations`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { locations { lessonsHeld } } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`Statistics.location`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { location(id: "999999") { lessonsHeld } } }"#,
        expected: "UFFFF✓✓✓",
    },
    Row {
        operation: "`Statistics.groups`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { groups { lessonsHeld } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`Statistics.group`",
        query: r#"{ statistics(from: "2026-12-01", to: "2026-12-07") { group(id: "999999") { lessonsHeld } } }"#,
        expected: "UFF✓✓✓✓✓",
    },
    Row {
        operation: "`books`",
        query: r#"{ books { nodes { id available } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`book`",
        query: r#"{ book(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`createBook`",
        query: r#"mutation { createBook(input: {companyId: "999999", title: "Yoga", copies: 1}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`updateBook`",
        query: r#"mutation { updateBook(id: "999999", input: {title: "Yoga"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`deleteBook`",
        query: r#"mutation { deleteBook(id: "999999") }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`lendBook`",
        query: r#"mutation { lendBook(input: {bookId: "999999", clientId: "999999", due: "2099-01-01"}) { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`returnBook`",
        query: r#"mutation { returnBook(loanId: "999999") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`extendLoan`",
        query: r#"mutation { extendLoan(loanId: "999999", due: "2099-01-01") { id } }"#,
        expected: "UFFF✓✓✓✓",
    },
    Row {
        operation: "`loans`",
        query: r#"{ loans { nodes { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`loan`",
        query: r#"{ loan(id: "999999") { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`User.loans` (own account)",
        query: r#"{ me { loans { id } } }"#,
        expected: "✓F✓✓✓✓✓✓",
    },
    Row {
        operation: "`myFavorites`",
        query: r#"{ myFavorites { groups { id } } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`setFavorites`",
        query: r#"mutation { setFavorites(groupIds: [], lessonIds: []) { id } }"#,
        expected: "UF✓✓✓✓✓✓",
    },
    Row {
        operation: "`User.favorites` (own account)",
        query: r#"{ me { favorites { groups { id } } } }"#,
        expected: "✓F✓✓✓✓✓✓",
    },
];

/// The accounts of levels 1 to 7.
const ACCOUNTS: [(Role, AccountStatus); 7] = [
    (Role::User, AccountStatus::Unconfirmed),
    (Role::User, AccountStatus::Active),
    (Role::Employee, AccountStatus::Active),
    (Role::Manager, AccountStatus::Active),
    (Role::HeadManager, AccountStatus::Active),
    (Role::Owner, AccountStatus::Active),
    (Role::Admin, AccountStatus::Active),
];

/// ✓ when the operation ran (whatever its own outcome), U or F when a guard refused it.
fn outcome(body: &Value) -> char {
    let Some(errors) = body["errors"].as_array() else {
        return '✓';
    };
    for error in errors {
        let extensions = &error["extensions"];
        match extensions["code"].as_str() {
            Some("FORBIDDEN") => return 'F',
            // A token refused for a reason is the operation's own answer, not a guard's.
            Some("UNAUTHENTICATED") if extensions.get("reason").is_none() => return 'U',
            _ => {}
        }
    }
    '✓'
}

/// ✓, U or F for a route outside GraphQL (`GET <uri>` rows): 401 is U, 403 is F, anything else
/// (the route's own answer, NOT_FOUND for a company out of reach) ✓.
async fn http_outcome(app: &TestApp, uri: &str, viewer: Option<&TestUser>) -> char {
    let mut request = axum::http::Request::get(uri);
    if let Some(user) = viewer {
        request = request.header("authorization", format!("Bearer {}", user.access));
    }
    let response = app
        .send(request.body(axum::body::Body::empty()).expect("a request"))
        .await;
    match response.status.as_u16() {
        401 => 'U',
        403 => 'F',
        _ => '✓',
    }
}

/// The table as the README shows it.
fn table() -> String {
    let mut out = String::from(
        "| operation | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in ROWS {
        let cells: Vec<String> = row.expected.chars().map(String::from).collect();
        out.push_str(&format!("| {} | {} |\n", row.operation, cells.join(" | ")));
    }
    out
}

#[test]
fn the_readme_carries_the_authorization_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&table()),
        "README.md must contain this table:\n{}",
        table()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_at_every_level() {
    let app = TestApp::new().await;
    let target_id = app
        .create_account("target", Role::User, AccountStatus::Active)
        .await;
    for (level, (role, status)) in ACCOUNTS.iter().enumerate() {
        app.create_account(&format!("level{}", level + 1), *role, *status)
            .await;
    }
    let mut failures = Vec::new();
    for row in ROWS {
        let mut got = String::new();
        for level in 0..8 {
            // A fresh session per cell: some operations end the session they run in.
            let viewer: Option<TestUser> = match level {
                0 => None,
                n => Some(app.login(&format!("level{n}"), PASSWORD).await),
            };
            let own = match &viewer {
                Some(_) => app.login(&format!("level{level}"), PASSWORD).await.session,
                None => "1".to_owned(),
            };
            let variables = json!({
                "n": format!("new{level}@example.com").replace('@', "").replace('.', ""),
                "p": PASSWORD,
                "target": target_id,
                "own": own,
            });
            if let Some(uri) = row.query.strip_prefix("GET ") {
                got.push(http_outcome(&app, uri, viewer.as_ref()).await);
                continue;
            }
            let body = match &viewer {
                Some(user) => app.gql_as(user, row.query, variables).await,
                None => app.gql(row.query, variables).await,
            };
            got.push(outcome(&body));
        }
        if got != row.expected {
            failures.push(format!(
                "{}: expected {}, got {}",
                row.operation, row.expected, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
