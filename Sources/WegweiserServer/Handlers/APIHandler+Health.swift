import EventStore
import Foundation
import OpenAPIRuntime
import PostgresNIO
import Projections
import WegweiserAPI

extension APIHandler {
    /// How long the readiness probe waits for the database.
    static let readinessTimeout: Duration = .seconds(2)

    func getLiveness(_ input: Operations.GetLiveness.Input) async throws -> Operations.GetLiveness.Output {
        .ok(.init(body: .json(.init(status: .pass))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let status: MigrationStatus
        do {
            status = try await withDeadline(Self.readinessTimeout) {
                try await migrator.status(on: database, logger: logger)
            }
        } catch {
            logger.warning("readiness: database does not answer", metadata: ["error": "\(error)"])
            return .serviceUnavailable(.init(body: .applicationProblemJson(.init(.notReady("The database does not answer.")))))
        }
        if let problem = status.problem {
            return .serviceUnavailable(.init(body: .applicationProblemJson(.init(.notReady(problem.description)))))
        }
        guard status.pending.isEmpty else {
            let files = status.pending.map(\.fileName).joined(separator: ", ")
            return .serviceUnavailable(
                .init(body: .applicationProblemJson(.init(.notReady("\(status.pending.count) migration(s) pending: \(files)."))))
            )
        }
        return .ok(.init(body: .json(.init(status: .pass, schemaVersion: Int32(status.appliedVersion)))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        do {
            try await metrics.collect(
                from: database,
                inline: ReadModels.standard.inline.map(\.name),
                applicationName: connectionName,
                poolSize: poolSize,
                logger: logger
            )
        } catch {
            // The request figures still help while the database does not answer.
            logger.warning("metrics: the database's figures could not be read", metadata: ["error": "\(error)"])
        }
        return .ok(.init(body: .plainText(HTTPBody(metrics.exposition()))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.contents))))
    }
}

extension Components.Schemas.Problem {
    /// The wire form of a ``Problem``, stamped with the current request id.
    init(_ problem: Problem) {
        self.init(
            _type: problem.type,
            title: problem.title,
            status: Int32(problem.status),
            detail: problem.detail,
            instance: problem.instance ?? RequestID.current?.id,
            errors: problem.errors?.map { .init(pointer: $0.pointer, detail: $0.detail) }
        )
    }
}

/// Runs `operation`, or throws `CancellationError` if it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
