import Casework
import CommandHandling
import EventStore
import Foundation
import Logging
import PostgresNIO
import Projections
import ServiceLifecycle

extension DemoDistrict {
    /// Loads the district in the background once `start` yields (the demo staff are in), while
    /// the server answers; then waits for the shutdown.
    struct Loader: Service {
        let handler: APIHandler
        let settings: Settings
        let start: AsyncStream<Void>

        func run() async throws {
            await cancelWhenGracefulShutdown {
                for await _ in start {
                    do {
                        try await DemoDistrict.load(using: handler, settings: settings)
                    } catch {
                        handler.logger.error("demo district not loaded", metadata: ["error": "\(error)"])
                    }
                    return
                }
            }
            try? await gracefulShutdown()
        }
    }

    /// Writes the district through the command path (deciders, sealing, inline projections),
    /// unless its last person is there already: the providers, teams and case workers, then per
    /// person not yet there their registration and their whole case in one transaction, a few
    /// people at a time.
    static func load(using handler: APIHandler, settings: Settings) async throws {
        guard settings.people > 0 else { return }
        let district = DemoDistrict(settings: settings)
        if try await handler.casebook.client(district.history(of: settings.people - 1).profile.id) != nil { return }
        if try await handler.directory.find(
            .staffMember,
            id: DemoData.id("staff:\(caseWorkers[0].subject)").uuidString,
            as: StaffMember.Record.self
        )
            == nil
        {
            try await loadStaff(using: handler)
        }
        let logger = handler.logger
        let started = ContinuousClock.now
        logger.info("demo district loading", metadata: ["people": "\(settings.people)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<settings.people {
                if index >= 4 { try await group.next() }
                group.addTask { try await write(district.history(of: index), using: handler) }
                if (index + 1) % 500 == 0 {
                    logger.info("demo district", metadata: ["people": "\(index + 1)", "of": "\(settings.people)"])
                }
            }
            try await group.waitForAll()
        }
        // Statistics for the tables just filled at once: until autovacuum gets to them the
        // planner takes them for empty, and a report plans a scan per person.
        try await handler.eventStore.client.guardedQuery("ANALYZE", logger: logger)
        logger.info(
            "demo district loaded",
            metadata: ["people": "\(settings.people)", "seconds": "\((ContinuousClock.now - started).components.seconds)"]
        )
    }

    /// One person: registered by their case worker, their case decided and appended at once.
    private static func write(_ history: History, using handler: APIHandler) async throws {
        guard case .open(let opening) = history.commands.first,
            try await handler.casebook.client(history.profile.id) == nil
        else { return }
        let metadata = EventMetadata(actor: "staff_member:\(opening.assigneeID.uuidString.lowercased())", role: "case_worker")
        _ = try await handler.clientCommands.handle(
            .register(history.profile, today: DemoDistrict.today(for: history)),
            client: history.profile.id,
            districtID: districtID,
            metadata: metadata
        )
        _ = try await handler.caseCommands.handler.handle(
            Batch<CaseFile>.self,
            stream: CaseCommands.stream(of: history.caseID, districtID: districtID),
            command: history.commands,
            metadata: metadata,
            personalSubject: ClientCommands.subject(of: history.profile.id),
            load: { _, _ in nil }
        )
    }

    /// The registration's day: the case's opening.
    private static func today(for history: History) -> CalendarDate {
        if case .open(let opening) = history.commands.first { return opening.openedOn }
        return CalendarDate(Date())
    }

    /// The four further providers, their teams and the synthetic case workers.
    private static func loadStaff(using handler: APIHandler) async throws {
        let metadata = EventMetadata(actor: "demo", role: "system")
        for (name, kind) in providers {
            let id = DemoData.id("organisation:\(name)")
            _ = try await handler.execute(
                Organisation.self,
                kind: .organisation,
                id: id.uuidString,
                districtID: districtID,
                command: .register(id: id, districtID: districtID, name: name, kind: kind),
                metadata: metadata
            )
        }
        for (organisation, team) in Set(caseWorkers.map { [$0.organisation, $0.team] }).sorted(by: { $0[1] < $1[1] }).map({
            ($0[0], $0[1])
        })
        where DemoData.teams.allSatisfy({ $0.0 != team }) {
            let id = DemoData.id("team:\(team)")
            _ = try await handler.execute(
                Team.self,
                kind: .team,
                id: id.uuidString,
                districtID: districtID,
                command: .form(
                    id: id,
                    districtID: districtID,
                    organisationID: DemoData.id("organisation:\(organisation)"),
                    name: team,
                    leadID: nil
                ),
                metadata: metadata
            )
        }
        for (index, worker) in caseWorkers.enumerated() {
            let id = DemoData.id("staff:\(worker.subject)")
            let profile = StaffMember.Profile(
                id: id,
                districtID: districtID,
                organisationID: DemoData.id("organisation:\(worker.organisation)"),
                teamID: DemoData.id("team:\(worker.team)"),
                name: "Fachkraft \(index + 1)",
                role: .caseWorker,
                fullTimeEquivalent: worker.fte,
                activeFrom: CalendarDate(year: 2022, month: 1, day: 1) ?? CalendarDate(Date()),
                activeUntil: nil,
                subject: worker.subject
            )
            _ = try await handler.execute(
                StaffMember.self,
                kind: .staffMember,
                id: id.uuidString,
                districtID: districtID,
                command: .appoint(profile),
                metadata: metadata
            )
        }
    }
}
