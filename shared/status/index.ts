// What other features may use of status/: the status service (record a change, notify listeners)
// and how one message is shown.
export { makeStatusService, type StatusService } from "./status-service.ts";
export { messageView } from "./message-view.ts";
