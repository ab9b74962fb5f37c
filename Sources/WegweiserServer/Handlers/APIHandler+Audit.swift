import EventStore
import Foundation
import WegweiserAPI

extension APIHandler {
    func getCheckpointKey(_ input: Operations.GetCheckpointKey.Input) async throws -> Operations.GetCheckpointKey.Output {
        let signer = checkpoints.signer
        return .ok(
            .init(
                body: .json(
                    .init(
                        kty: .okp,
                        crv: .ed25519,
                        x: Base64URL.encode(Array(signer.publicKey)),
                        kid: signer.keyID,
                        alg: .edDSA,
                        use: .sig
                    )
                )
            )
        )
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let principal = try Principal.required()
        let limit = Int(input.query.limit ?? 500)
        guard (1...1000).contains(limit) else {
            throw Problem.badRequest(
                "limit must be 1 to 1000.",
                errors: [.init(pointer: "#/query/limit", detail: "must be 1 to 1000")]
            )
        }
        let after = try Input.page(cursor: input.query.cursor, limit: nil).after?.number ?? 0
        let found = try await districtChain.events(tenant: principal.districtID, after: after, limit: limit + 1)
        let page = found.prefix(limit)
        let source = "urn:wegweiser:district:\(principal.districtID)"
        let events = page.map { event in
            Components.Schemas.AuditEvent(
                specversion: ._1_0,
                id: event.eventID.apiString,
                source: source,
                _type: event.type,
                subject: event.streamID,
                time: Date(timeIntervalSince1970: Double(event.recordedAtMicroseconds) / 1_000_000),
                datacontenttype: .applicationJson,
                dataBase64: Data(event.payload.utf8).base64EncodedString(),
                wwposition: event.districtPosition,
                wwlogposition: event.logPosition,
                wwglobalposition: event.globalPosition,
                wwstreamversion: event.streamVersion,
                wwschemaversion: event.schemaVersion,
                wwrecordedatus: event.recordedAtMicroseconds,
                wwmetadata: event.metadata,
                wwprevioushash: event.previousHash,
                wwhash: event.hash
            )
        }
        let next = found.count > limit ? page.last.map { PageCursor(number: $0.districtPosition).text } : nil
        return .ok(
            .init(
                headers: .init(link: next.map { "</audit/events?cursor=\($0)&limit=\(limit)>; rel=\"next\"" }),
                body: .applicationCloudeventsBatchJson(events)
            )
        )
    }

    func listCheckpoints(_ input: Operations.ListCheckpoints.Input) async throws -> Operations.ListCheckpoints.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let found = try await checkpoints.list(tenant: principal.districtID, before: page.after?.number, limit: page.limit + 1)
        let (items, next) = Input.paged(found, limit: page.limit) { PageCursor(number: $0.id) }
        return .ok(.init(body: .json(.init(items: items.map(Components.Schemas.Checkpoint.init), nextCursor: next))))
    }

    func createCheckpoint(_ input: Operations.CreateCheckpoint.Input) async throws -> Operations.CreateCheckpoint.Output {
        let principal = try Principal.required()
        let checkpoint = try await checkpoints.take(
            tenant: principal.districtID,
            at: now(),
            reason: "requested",
            requestedBy: principal.staffID
        )
        return .created(.init(body: .json(.init(checkpoint))))
    }

    func getChainVerification(
        _ input: Operations.GetChainVerification.Input
    ) async throws -> Operations.GetChainVerification.Output {
        let principal = try Principal.required()
        let from = input.query.from ?? 1
        let to = input.query.to ?? Int64.max
        guard from >= 1, to >= from else {
            throw Problem.unprocessable(
                "to must not be before from.",
                errors: [.init(pointer: "#/query/to", detail: "before from")]
            )
        }
        let verification = try await districtChain.verify(tenant: principal.districtID, from: from, through: to)
        return .ok(
            .init(
                body: .json(
                    .init(
                        intact: verification.isIntact,
                        from: from,
                        verifiedCount: verification.verifiedCount,
                        head: verification.head.map { .init(position: $0.position, hash: $0.hash) },
                        broken: verification.broken.map {
                            .init(position: $0.position, globalPosition: $0.globalPosition, reason: $0.reason)
                        }
                    )
                )
            )
        )
    }
}

extension Components.Schemas.Checkpoint {
    /// A kept checkpoint as the API shows it.
    init(_ checkpoint: SignedCheckpoint) {
        self.init(
            id: checkpoint.id,
            districtId: checkpoint.tenant,
            district: .init(position: checkpoint.district.position, hash: checkpoint.district.hash),
            log: .init(position: checkpoint.log.position, hash: checkpoint.log.hash),
            takenAt: checkpoint.takenAt,
            reason: checkpoint.reason == "scheduled" ? .scheduled : .requested,
            requestedBy: checkpoint.requestedBy?.apiString,
            keyId: checkpoint.keyID,
            statement: checkpoint.statement,
            signature: Base64URL.encode(Array(checkpoint.signature))
        )
    }
}
