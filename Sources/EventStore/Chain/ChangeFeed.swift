public import Foundation
public import Logging
public import PostgresNIO

/// What changed, in the order of the log's hash chain (gapless, never skipping a late commit):
/// for each event of the streams asked about, its chain position, stream, version, type and
/// recording time. No payload, so no personal data.
public struct ChangeFeed: Sendable {
    /// One change.
    public struct Change: Sendable, Equatable {
        /// Its position in the chain: the feed's cursor.
        public var position: Int64
        /// The stream (`case-<id>`, `client-<id>`, ...).
        public var streamID: String
        /// The stream's version after it.
        public var version: Int64
        /// The event type.
        public var type: String
        /// When it was recorded.
        public var recordedAt: Date
    }

    /// The database.
    public let client: PostgresClient
    let logger: Logger

    /// The feed over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The changes of `streams` after position `after`, at most `limit`, and the position the
    /// feed has been read to (the last change's, or the chain's head when fewer came: the
    /// cursor to go on from).
    public func changes(of streams: [String], after: Int64, limit: Int) async throws -> (changes: [Change], readTo: Int64) {
        let head = try await self.head()
        guard head > after, !streams.isEmpty else { return ([], max(after, head)) }
        // A short way behind the head, walk the chain; far behind, read the streams' own
        // events (few, against a long chain). (Compared so that no cursor overflows.)
        let query: PostgresQuery =
            after >= head - 10_000
            ? """
            SELECT c.log_position, e.stream_id, e.stream_version, e.event_type, e.recorded_at
            FROM event_chain c JOIN events e ON e.global_position = c.global_position
            WHERE c.log_position > \(after) AND c.log_position <= \(head) AND e.stream_id = ANY(\(streams))
            ORDER BY c.log_position LIMIT \(limit)
            """
            : """
            SELECT c.log_position, e.stream_id, e.stream_version, e.event_type, e.recorded_at
            FROM events e JOIN event_chain c ON c.global_position = e.global_position
            WHERE e.stream_id = ANY(\(streams)) AND c.log_position > \(after) AND c.log_position <= \(head)
            ORDER BY c.log_position LIMIT \(limit)
            """
        var changes: [Change] = []
        for try await (position, stream, version, type, recordedAt) in try await client.guardedQuery(query, logger: logger)
            .decode(
                (Int64, String, Int64, String, Date).self
            )
        {
            changes.append(Change(position: position, streamID: stream, version: version, type: type, recordedAt: recordedAt))
        }
        return (changes, changes.count == limit ? changes.last?.position ?? head : head)
    }

    /// The chain's last position (0 before the first).
    public func head() async throws -> Int64 {
        let rows = try await client.guardedQuery("SELECT coalesce(max(log_position), 0) FROM event_chain", logger: logger)
        for try await (head, ) in rows.decode((Int64,).self) { return head }
        return 0
    }
}
