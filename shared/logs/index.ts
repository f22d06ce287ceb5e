// What the entries and other features use of logs/: the logs and the delivery reports.
export { listLogs, readLogs, parseLogsQuery, logEntryView, type LogsDeps } from "./logs.ts";
export { getReports, takeReports, reportView, type ReportsDeps } from "./reports.ts";
