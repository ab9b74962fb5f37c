import Casework
import EventStore
import Foundation
import Logging
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func listChanges(_ input: Operations.ListChanges.Input) async throws -> Operations.ListChanges.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let (changes, readTo) = try await changeFeed.changes(
            of: try await changeScope(principal),
            after: page.after?.number ?? 0,
            limit: page.limit
        )
        return .ok(.init(body: .json(.init(items: changes.compactMap(Self.change), nextCursor: PageCursor(number: readTo).text))))
    }

    func streamChanges(_ input: Operations.StreamChanges.Input) async throws -> Operations.StreamChanges.Output {
        let principal = try Principal.required()
        var start: Int64
        if let last = input.headers.lastEventID {
            guard let position = Int64(last) else {
                throw Problem.badRequest(
                    "Last-Event-ID is a position.",
                    errors: [.init(pointer: "#/header/Last-Event-ID", detail: "not a position")]
                )
            }
            start = position
        } else if input.query.cursor != nil {
            start = try Input.page(cursor: input.query.cursor, limit: nil).after?.number ?? 0
        } else {
            start = try await changeFeed.head()
        }
        // A caller that reads slower than changes come is not sent less: once the buffer is full
        // the stream ends, and the caller resumes after the last change it got (Last-Event-ID).
        let (stream, continuation) = AsyncStream<ArraySlice<UInt8>>.makeStream(bufferingPolicy: .bufferingOldest(1_000))
        let task = Task { [self, start] in
            var after = start
            continuation.yield(ArraySlice("retry: 1000\n\n".utf8))
            let clock = ContinuousClock()
            let end = clock.now + changeStreamLifetime
            var quietSince = clock.now
            do {
                while !Task.isCancelled, clock.now < end {
                    let generation = eventStore.sealed.generation
                    // The scope is looked at again each round: a case reassigned away stops at once.
                    let (changes, readTo) = try await changeFeed.changes(
                        of: try await changeScope(principal),
                        after: after,
                        limit: 200
                    )
                    for change in changes {
                        guard let shown = Self.change(change) else { continue }
                        let data = try JSONEncoder.api.encode(shown)
                        let sent = continuation.yield(
                            ArraySlice("id: \(change.position)\nevent: change\ndata: ".utf8) + ArraySlice(data)
                                + ArraySlice("\n\n".utf8)
                        )
                        if case .dropped = sent {
                            continuation.finish()
                            return
                        }
                    }
                    after = readTo
                    if !changes.isEmpty { quietSince = clock.now }
                    if changes.count == 200 { continue }
                    if clock.now - quietSince >= .seconds(15) {
                        continuation.yield(ArraySlice(": still here\n\n".utf8))
                        quietSince = clock.now
                    }
                    // Rung by this process's sequencer; another process's seals are seen within a second.
                    await eventStore.sealed.wait(after: generation, timeout: .seconds(1))
                }
            } catch {
                logger.notice("change stream ended", metadata: ["error": "\(String(reflecting: error))"])
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return .ok(.init(body: .textEventStream(HTTPBody(stream, length: .unknown, iterationBehavior: .single))))
    }

    /// The streams whose changes `principal` sees now: the cases they may work or read (their
    /// caseload, a team lead's team's) and the clients of the open ones.
    func changeScope(_ principal: Principal) async throws -> [String] {
        let cases = try await casebook.cases(
            districtID: principal.districtID,
            assignees: AccessPolicy.defaultCaseloads(principal, teamMembers: try await teamMembers(of: principal)),
            openOnly: false,
            closedSince: principal.role == .teamLead ? nil : now().addingTimeInterval(-AccessPolicy.closedCaseReading),
            order: .id(after: nil),
            limit: 20_000
        )
        // A client's changes follow their open case only: the holder of a closed one reads the
        // case for a while, not what happens to the person since.
        return cases.flatMap { row in
            ["case-\(row.record.id.uuidString)"] + (row.record.isClosed ? [] : ["client-\(row.record.clientID.uuidString)"])
        }
    }

    /// A change as the API shows it (`nil` for a stream of another kind).
    static func change(_ change: ChangeFeed.Change) -> Components.Schemas.Change? {
        let parts = change.streamID.split(separator: "-", maxSplits: 1).map(String.init)
        guard parts.count == 2, let object = Components.Schemas.Change.ObjectPayload(rawValue: parts[0]),
            let id = UUID(uuidString: parts[1])
        else { return nil }
        return .init(
            position: change.position,
            object: object,
            objectId: id.apiString,
            version: change.version,
            _type: change.type,
            recordedAt: change.recordedAt
        )
    }
}

extension JSONEncoder {
    /// The encoder of JSON the server writes by hand (the SSE data): sorted keys, RFC 3339 times.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
