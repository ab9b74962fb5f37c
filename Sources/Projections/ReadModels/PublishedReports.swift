public import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// Keeps `published_reports`: each report sent out, as its event recorded it. Inline: the
/// answer to a publication reads it back.
public struct PublishedReportsProjection: Projection {
    /// `published_reports`.
    public let name = "published_reports"
    /// The one table.
    public let tables = ["published_reports"]

    /// The projection.
    public init() {}

    /// `report.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("report.")
    }

    /// Stores each publication.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for projected in try context.projected(events, as: Publication.Event.self) {
            guard case .published(let record) = projected.event else { continue }
            try await context.connection.query(
                """
                INSERT INTO published_reports (id, district_id, position, recorded_at, published_by, record)
                VALUES (\(record.id), \(record.districtID), \(projected.recorded.globalPosition), \(projected.recorded.recordedAt),
                        \(projected.recorded.metadata.actor), \(projected.recorded.payload.jsonText())::jsonb)
                ON CONFLICT (id) DO NOTHING
                """,
                logger: context.logger
            )
        }
    }
}

/// The reports a district sent out.
public struct PublishedReports: Sendable {
    /// One as stored.
    public struct Row: Sendable {
        /// The publication.
        public var record: Publication.Record
        /// Its place in the log: the order of listing.
        public var position: Int64
        /// When it was recorded.
        public var recordedAt: Date
        /// Who published it (`staff_member:<id>`).
        public var publishedBy: String?
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// Published reports over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The report `id` of `districtID`, or `nil`.
    public func find(_ id: UUID, districtID: String) async throws -> Row? {
        try await rows(
            client.guardedQuery(
                """
                SELECT record::text, position, recorded_at, published_by FROM published_reports
                WHERE id = \(id) AND district_id = \(districtID)
                """,
                logger: logger
            )
        ).first
    }

    /// The district's reports in the order they were published, after `position`.
    public func list(districtID: String, after position: Int64, limit: Int) async throws -> [Row] {
        try await rows(
            client.guardedQuery(
                """
                SELECT record::text, position, recorded_at, published_by FROM published_reports
                WHERE district_id = \(districtID) AND position > \(position)
                ORDER BY position LIMIT \(limit)
                """,
                logger: logger
            )
        )
    }

    private func rows(_ sequence: GuardedRows) async throws -> [Row] {
        var rows: [Row] = []
        for try await (record, position, recordedAt, publishedBy) in sequence.decode((String, Int64, Date, String?).self) {
            rows.append(
                Row(
                    record: try EventCoding.decode(Data(record.utf8)),
                    position: position,
                    recordedAt: recordedAt,
                    publishedBy: publishedBy
                )
            )
        }
        return rows
    }
}
