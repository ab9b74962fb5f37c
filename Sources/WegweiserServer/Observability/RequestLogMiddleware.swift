import Foundation
import Hummingbird
import Logging
import Synchronization
import Tracing

/// Writes one log line per request once it is answered — method, path (without the query, which
/// may carry search terms), status, duration, and for an operation of the contract its
/// `operationId` and the staff member who called it; never a header, a body or personal data —
/// and counts it in ``ServerMetrics`` by operation and status, with its duration; with
/// ``RequestTracing`` on, it is also a span.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where requests are counted.
    let metrics: ServerMetrics
    /// Where spans go, if tracing is on.
    var tracing: RequestTracing? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let started = ContinuousClock.now
        let note = RequestNote()
        let span = tracing?.span(for: request.head)
        do {
            let response = try await RequestNote.$current.withValue(note) {
                // Spans started further in (none yet) would nest under the request's.
                guard let span else { return try await next(request, context) }
                return try await ServiceContext.withValue(span.context) { try await next(request, context) }
            }
            record(request, status: response.status.code, since: started, note: note, logger: context.logger)
            if let span { tracing?.end(span, operation: note.read().operation, status: response.status.code) }
            return response
        } catch {
            record(request, status: nil, since: started, note: note, logger: context.logger)
            if let span { tracing?.end(span, operation: note.read().operation, status: nil) }
            throw error
        }
    }

    private func record(
        _ request: Request,
        status: Int?,
        since started: ContinuousClock.Instant,
        note: RequestNote,
        logger: Logger
    ) {
        let elapsed = ContinuousClock.now - started
        metrics.request(operation: note.read().operation, status: status ?? 0, duration: elapsed)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method)",
            "path": "\(request.uri.path)",
            "status": status.map { .stringConvertible($0) } ?? "none",
            "duration_ms": .stringConvertible((milliseconds * 10).rounded() / 10),
        ]
        let (operation, staffID) = note.read()
        if let operation { metadata["operation"] = "\(operation)" }
        if let staffID { metadata["staff_member"] = "\(staffID.uuidString.lowercased())" }
        logger.info("request", metadata: metadata)
    }
}

/// What the inner layers learn of a request for its log line: the operation and who called it.
final class RequestNote: Sendable {
    private let state = Mutex<(operation: String?, staffID: UUID?)>((nil, nil))

    /// Notes the operation and, once authenticated, the caller.
    func note(operation: String, staffID: UUID? = nil) {
        state.withLock { $0 = (operation, staffID ?? $0.staffID) }
    }

    /// The operation and caller noted so far.
    func read() -> (operation: String?, staffID: UUID?) {
        state.withLock { $0 }
    }

    /// The note of the request being handled, or `nil` outside one.
    @TaskLocal static var current: RequestNote?
}
