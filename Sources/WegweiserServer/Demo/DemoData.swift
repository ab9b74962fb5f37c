import Casework
import EventStore
import Foundation
import Projections

/// The demo data of `wegweiser demo`: two districts with organisations, a team and one staff
/// member for every role, each signing in as a readable subject (`demo-worker-a`, …) so that
/// `wegweiser token --role case_worker --staff demo-worker-a` gives a working token.
///
/// Written through the same deciders and event log as everything else; ids are derived from
/// names, so loading twice changes nothing.
enum DemoData {
    /// A demo staff member.
    struct Person: Sendable {
        /// Their sign-in subject.
        var subject: String
        /// Their name.
        var name: String
        /// Their role.
        var role: StaffRole
        /// Their district.
        var district: String
        /// Their organisation's name, a key of ``organisations``.
        var organisation: String
        /// Their team's name, if any.
        var team: String?

        /// Their staff member id.
        var id: UUID { DemoData.id("staff:\(subject)") }
    }

    /// The demo districts: key and name.
    static let districts = [("08337", "Landkreis Waldshut (Demo)"), ("08416", "Landkreis Tübingen (Demo)")]

    /// The demo organisations: name, district and kind.
    static let organisations: [(String, String, OrganisationKind)] = [
        ("Landratsamt Waldshut", "08337", .districtOffice),
        ("Caritasverband Hochrhein", "08337", .welfareOrganisation),
        ("Jobcenter Landkreis Waldshut", "08337", .jobcenter),
        ("Landratsamt Tübingen", "08416", .districtOffice),
    ]

    /// The demo teams: name, organisation and lead's subject.
    static let teams: [(String, String, String?)] = [
        ("Team Nord", "Landratsamt Waldshut", "demo-lead"),
        ("Team Caritas", "Caritasverband Hochrhein", nil),
        ("Team Tübingen", "Landratsamt Tübingen", nil),
    ]

    /// The demo staff: one for every role in Waldshut, two more case workers, and an
    /// administrator and a case worker in Tübingen.
    static let people: [Person] = [
        Person(
            subject: "demo-operator",
            name: "Olga Operator",
            role: .operator,
            district: "08337",
            organisation: "Landratsamt Waldshut"
        ),
        Person(subject: "demo-admin", name: "Adam Admin", role: .admin, district: "08337", organisation: "Landratsamt Waldshut"),
        Person(
            subject: "demo-lead",
            name: "Lea Leitung",
            role: .teamLead,
            district: "08337",
            organisation: "Landratsamt Waldshut",
            team: "Team Nord"
        ),
        Person(
            subject: "demo-worker-a",
            name: "Anna Berger",
            role: .caseWorker,
            district: "08337",
            organisation: "Landratsamt Waldshut",
            team: "Team Nord"
        ),
        Person(
            subject: "demo-worker-a2",
            name: "Aylin Demir",
            role: .caseWorker,
            district: "08337",
            organisation: "Landratsamt Waldshut",
            team: "Team Nord"
        ),
        Person(
            subject: "demo-worker-b",
            name: "Bernd Caritas",
            role: .caseWorker,
            district: "08337",
            organisation: "Caritasverband Hochrhein",
            team: "Team Caritas"
        ),
        Person(
            subject: "demo-coordinator",
            name: "Cora Koordination",
            role: .coordinator,
            district: "08337",
            organisation: "Landratsamt Waldshut"
        ),
        Person(
            subject: "demo-auditor",
            name: "Paul Prüfer",
            role: .auditor,
            district: "08337",
            organisation: "Landratsamt Waldshut"
        ),
        Person(
            subject: "demo-dpo",
            name: "Dana Datenschutz",
            role: .dataProtectionOfficer,
            district: "08337",
            organisation: "Landratsamt Waldshut"
        ),
        Person(
            subject: "demo-jobcenter",
            name: "Jonas Jobcenter",
            role: .jobcenter,
            district: "08337",
            organisation: "Jobcenter Landkreis Waldshut"
        ),
        Person(
            subject: "demo-tuebingen-admin",
            name: "Tom Tübingen",
            role: .admin,
            district: "08416",
            organisation: "Landratsamt Tübingen"
        ),
        Person(
            subject: "demo-tuebingen-worker",
            name: "Tina Tübingen",
            role: .caseWorker,
            district: "08416",
            organisation: "Landratsamt Tübingen",
            team: "Team Tübingen"
        ),
    ]

    /// A stable id for a demo object's name.
    static func id(_ name: String) -> UUID { UUID(naming: "wegweiser-demo:\(name)") }

    /// Loads the demo data unless it is there already.
    static func load(using handler: APIHandler) async throws {
        if try await handler.directory.find(.district, id: districts[0].0, as: District.Record.self) != nil { return }
        let metadata = EventMetadata(actor: "demo", role: "system")
        for (id, name) in districts {
            _ = try await handler.execute(
                District.self,
                kind: .district,
                id: id,
                districtID: id,
                command: .register(id: id, name: name),
                metadata: metadata
            )
        }
        for (name, district, kind) in organisations {
            let id = Self.id("organisation:\(name)")
            _ = try await handler.execute(
                Organisation.self,
                kind: .organisation,
                id: id.uuidString,
                districtID: district,
                command: .register(id: id, districtID: district, name: name, kind: kind),
                metadata: metadata
            )
        }
        for (name, organisation, _) in teams {
            let district = organisations.first { $0.0 == organisation }?.1 ?? ""
            let id = Self.id("team:\(name)")
            _ = try await handler.execute(
                Team.self,
                kind: .team,
                id: id.uuidString,
                districtID: district,
                command: .form(
                    id: id,
                    districtID: district,
                    organisationID: Self.id("organisation:\(organisation)"),
                    name: name,
                    leadID: nil
                ),
                metadata: metadata
            )
        }
        for person in people {
            let profile = StaffMember.Profile(
                id: person.id,
                districtID: person.district,
                organisationID: Self.id("organisation:\(person.organisation)"),
                teamID: person.team.map { Self.id("team:\($0)") },
                name: person.name,
                role: person.role,
                fullTimeEquivalent: 1,
                activeFrom: CalendarDate(year: 2025, month: 1, day: 1) ?? CalendarDate(Date()),
                activeUntil: nil,
                subject: person.subject
            )
            _ = try await handler.execute(
                StaffMember.self,
                kind: .staffMember,
                id: person.id.uuidString,
                districtID: person.district,
                command: .appoint(profile),
                metadata: metadata
            )
        }
        for (name, organisation, lead) in teams {
            guard let lead else { continue }
            let district = organisations.first { $0.0 == organisation }?.1 ?? ""
            _ = try await handler.execute(
                Team.self,
                kind: .team,
                id: Self.id("team:\(name)").uuidString,
                districtID: district,
                command: .change(name: nil, leadID: .some(Self.id("staff:\(lead)"))),
                metadata: metadata
            )
        }
    }
}
