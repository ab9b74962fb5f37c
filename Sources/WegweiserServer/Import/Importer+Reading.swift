import Casework
import EventStore
import Foundation
import Projections
import WegweiserAPI

extension Importer {
    /// The kinds of record of an import file: each is the body of one API operation.
    public enum Kind: String, CaseIterable, Sendable {
        /// A person: the body of `POST /clients`.
        case client
        /// A case of a client: the body of `POST /cases` (`assignee_id` required).
        case `case`
        /// The start of the counselling period: the body of `PUT /cases/{id}/counselling-period`.
        case counsellingPeriod = "counselling_period"
        /// The body of `POST /cases/{id}/assessments`.
        case assessment
        /// The body of `POST /cases/{id}/goals`.
        case goal
        /// The body of `PUT /cases/{id}/goals/{goal_id}/status`.
        case goalStatus = "goal_status"
        /// The body of `PUT /cases/{id}/plan-agreement`.
        case planAgreement = "plan_agreement"
        /// The body of `POST /cases/{id}/consultations`.
        case consultation
        /// The body of `POST /cases/{id}/observations`.
        case observation
        /// The body of `POST /cases/{id}/consents`.
        case consent
        /// The body of `PUT /cases/{id}/closure`.
        case closure

        /// The operation whose body a record holds.
        var operationID: String {
            switch self {
            case .client: "createClient"
            case .case: "openCase"
            case .counsellingPeriod: "startCounsellingPeriod"
            case .assessment: "createAssessment"
            case .goal: "createGoal"
            case .goalStatus: "replaceGoalStatus"
            case .planAgreement: "replacePlanAgreement"
            case .consultation: "createConsultation"
            case .observation: "createObservation"
            case .consent: "createConsent"
            case .closure: "closeCase"
            }
        }

        /// The records it refers to by their older ids.
        var references: [String] {
            switch self {
            case .client: []
            case .case: ["client"]
            case .goalStatus: ["case", "goal"]
            default: ["case"]
            }
        }

        /// Whether it must have an older id: what other records refer to.
        var needsID: Bool { [.client, .case, .goal].contains(self) }
    }

    /// The state of reading a file: what it holds so far and what is refused.
    struct Reading {
        let importer: Importer
        var findings: [Finding] = []
        /// Every finding, also those beyond ``Importer/findingLimit`` that are not kept.
        var findingCount = 0
        var records = 0
        var people: [Person] = []
        private var personAt: [String: Int] = [:]
        private var caseAt: [String: (person: Int, case: Int)] = [:]
        private var goals: [String: (caseExternalID: String, id: UUID)] = [:]
        private var seen: Set<String> = []
        /// Records refused that others may refer to (`case F-1`): what refers to them is passed
        /// over, as their own finding explains it.
        private var refused: Set<String> = []
        private var staff: [String: StaffMember.Profile?] = [:]
        private var organisations: [String: Organisation.Record?] = [:]

        init(importer: Importer) { self.importer = importer }

        /// Reads the record on `line`.
        mutating func read(_ bytes: Data, line: Int) async throws {
            records += 1
            guard bytes.count <= Importer.lineLimit else {
                return refuse(line, "", "longer than \(Importer.lineLimit) bytes")
            }
            guard let text = String(data: bytes, encoding: .utf8), let value = try? JSONValue(jsonText: text),
                case .object(let object) = value
            else { return refuse(line, "", "not a JSON object in UTF-8") }
            guard case .string(let name)? = object["record"], let kind = Kind(rawValue: name) else {
                return refuse(line, "/record", "one of " + Kind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let members = Set(["record", "id", "body"] + kind.references)
            for key in object.keys.sorted() where !members.contains(key) {
                refuse(line, "/" + ContractBounds.escaped(key), "not a member of a \(name) record")
            }
            var externalID: String?
            switch object["id"] {
            case nil where kind.needsID: return refuse(line, "/id", "required: the \(name)'s id in the older system")
            case nil: break
            case .string(let id)?
            where (1...100).contains(id.count)
                && !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }):
                externalID = id
            default: return refuse(line, "/id", "a string of 1 to 100 characters without control characters")
            }
            if let externalID, !seen.insert("\(name) \(externalID)").inserted {
                return refuse(line, "/id", "\(name) \(externalID) is on an earlier line")
            }
            let findingsBefore = findingCount
            defer {
                if let externalID, kind.needsID, findingCount > findingsBefore { refused.insert("\(name) \(externalID)") }
            }
            guard case .object(var body)? = object["body"] else {
                return refuse(line, "/body", "required: the JSON body of \(kind.operationID)")
            }
            var references: [String: String] = [:]
            for reference in kind.references {
                guard case .string(let value)? = object[reference] else {
                    return refuse(line, "/\(reference)", "required: the id of a \(reference) record on an earlier line")
                }
                references[reference] = value
            }
            switch kind {
            case .client:
                guard let externalID, let input = decoded(body, kind, line, as: Components.Schemas.ClientInput.self) else {
                    return
                }
                let importer = importer
                guard let profile = attempt(line, { try Self.client(input, externalID: externalID, importer: importer) }) else {
                    return
                }
                personAt[externalID] = people.count
                people.append(Person(line: line, externalID: externalID, profile: profile, exists: false))
            case .case:
                guard let externalID, let client = references["client"] else { return }
                guard let person = personAt[client] else {
                    if refused.contains("client \(client)") { return }
                    return refuse(line, "/client", "no client record \(client) on an earlier line")
                }
                people[person].hasCase = true
                guard body["client_id"] == nil else { return refuse(line, "/body/client_id", "set by the import from /client") }
                body["client_id"] = .string(people[person].profile.id.uuidString.lowercased())
                guard let input = decoded(body, kind, line, as: Components.Schemas.CaseInput.self) else { return }
                guard let assigneeID = input.assigneeId else {
                    return refuse(line, "/body/assignee_id", "required in an import: who the case is assigned to")
                }
                guard let assignee = try await assignee(assigneeID) else {
                    return refuse(
                        line,
                        "/body/assignee_id",
                        "no case worker or team lead of district \(importer.districtID) active today"
                    )
                }
                let (id, districtID) = (importer.id(.case, externalID), importer.districtID)
                guard
                    let opening = attempt(
                        line,
                        { try CaseFile.Opening(input, caseID: id, districtID: districtID, assigneeID: assignee.id) }
                    )
                else { return }
                caseAt[externalID] = (person, people[person].cases.count)
                people[person].cases.append(
                    PlannedCase(
                        line: line,
                        externalID: externalID,
                        id: id,
                        assignee: assignee,
                        commands: [.open(opening)],
                        lines: [line]
                    )
                )
            default:
                guard let caseID = references["case"] else { return }
                guard let at = caseAt[caseID] else {
                    if refused.contains("case \(caseID)") { return }
                    return refuse(line, "/case", "no case record \(caseID) on an earlier line")
                }
                guard
                    let command = try await command(kind, body, externalID: externalID, caseID: caseID, references, at: at, line)
                else { return }
                people[at.person].cases[at.case].commands.append(command)
                people[at.person].cases[at.case].lines.append(line)
            }
        }

        /// The person a client record describes, checked by the client decider.
        private static func client(
            _ input: Components.Schemas.ClientInput,
            externalID: String,
            importer: Importer
        ) throws -> Client.Profile {
            var profile = try Client.Profile(input, id: importer.id(.client, externalID), districtID: importer.districtID)
            if profile.personal?.externalID == nil { profile.personal?.externalID = externalID }
            guard importer.targetGroups.contains(profile.targetGroup) else {
                throw Problem.unprocessable(
                    "This installation does not counsel the target group \(profile.targetGroup.rawValue).",
                    errors: [.init(pointer: "/target_group", detail: "not a target group of this installation")]
                )
            }
            _ = try Client.decide(.register(profile, today: importer.today), Client.initialState)
            return profile
        }

        /// The case command of an item record of `kind`, or `nil` with its findings.
        private mutating func command(
            _ kind: Kind,
            _ body: [String: JSONValue],
            externalID: String?,
            caseID: String,
            _ references: [String: String],
            at: (person: Int, case: Int),
            _ line: Int
        ) async throws -> CaseFile.Command? {
            let itemID = externalID.map { importer.id(kind, $0) } ?? UUID()
            switch kind {
            case .counsellingPeriod:
                guard let input = decoded(body, kind, line, as: Components.Schemas.PeriodStartInput.self) else { return nil }
                let targetGroup = people[at.person].profile.targetGroup
                return attempt(line) { try CaseFile.Command(input, targetGroup: targetGroup) }
            case .assessment:
                guard let input = decoded(body, kind, line, as: Components.Schemas.AssessmentInput.self) else { return nil }
                return attempt(line) { try CaseFile.Command(input) }
            case .goal:
                guard let externalID, let input = decoded(body, kind, line, as: Components.Schemas.GoalInput.self) else {
                    return nil
                }
                let command = attempt(line) { CaseFile.Command.agreeGoal(try CaseFile.GoalAgreement(input, goalID: itemID)) }
                if command != nil { goals[externalID] = (caseID, itemID) }
                return command
            case .goalStatus:
                guard let goal = references["goal"].flatMap({ goals[$0] }), goal.caseExternalID == caseID else {
                    if refused.contains("goal \(references["goal"] ?? "")") { return nil }
                    refuse(line, "/goal", "no goal record \(references["goal"] ?? "") of case \(caseID) on an earlier line")
                    return nil
                }
                guard let input = decoded(body, kind, line, as: Components.Schemas.GoalStatusInput.self) else { return nil }
                return attempt(line) { try CaseFile.Command(input, goalID: goal.id) }
            case .planAgreement:
                guard let input = decoded(body, kind, line, as: Components.Schemas.PlanAgreement.self) else { return nil }
                return attempt(line) { try CaseFile.Command(input) }
            case .consultation:
                guard let input = decoded(body, kind, line, as: Components.Schemas.ConsultationInput.self) else { return nil }
                return attempt(line) { .logConsultation(try CaseFile.ConsultationLog(input, id: itemID)) }
            case .observation:
                guard let input = decoded(body, kind, line, as: Components.Schemas.ObservationInput.self) else { return nil }
                return attempt(line) { .recordObservation(try Observation(input, id: itemID)) }
            case .consent:
                guard let input = decoded(body, kind, line, as: Components.Schemas.ConsentInput.self) else { return nil }
                var recipient: UUID?
                if let named = input.recipientOrganisationId {
                    let handoff = input.purpose == .jobcenterHandoff
                    guard let organisation = try await organisation(named), !handoff || organisation.kind == .jobcenter else {
                        refuse(
                            line,
                            "/body/recipient_organisation_id",
                            "no active \(handoff ? "Jobcenter" : "organisation") of district \(importer.districtID)"
                        )
                        return nil
                    }
                    recipient = organisation.id
                }
                return .giveConsent(CaseFile.Consent(input, id: itemID, recipientOrganisationID: recipient))
            case .closure:
                guard let input = decoded(body, kind, line, as: Components.Schemas.ClosureInput.self) else { return nil }
                return attempt(line) { try CaseFile.Command(input) }
            case .client, .case:
                return nil
            }
        }

        /// Checks every person's cases with the deciders over their whole history, and finds
        /// what is in Wegweiser already.
        mutating func finish() async throws {
            for person in people {
                guard person.hasCase else {
                    refuse(person.line, "/id", "no case record refers to this client: people come with their case")
                    continue
                }
                var openCase: Int?
                for planned in person.cases {
                    if let openCase {
                        refuse(
                            planned.line,
                            "",
                            "client \(person.externalID) has an open case (line \(openCase)); close it first"
                        )
                    }
                    var state = CaseFile.initialState
                    var refused = false
                    for (command, line) in zip(planned.commands, planned.lines) {
                        do {
                            try CaseFile.plausible(command, today: importer.today)
                        } catch {
                            refuse(line, error)
                            refused = true
                            continue
                        }
                        // What follows a step the decider refuses would be refused for its sake:
                        // the first refusal of a case says it.
                        guard !refused else { continue }
                        do {
                            state = try CaseFile.decide(command, state).reduce(state, CaseFile.evolve)
                        } catch {
                            refuse(line, error)
                            refused = true
                        }
                    }
                    openCase = state?.isClosed == false ? planned.line : nil
                }
            }
            var existing: Set<UUID> = []
            for start in stride(from: 0, to: people.count, by: 1000) {
                let ids = people[start..<min(start + 1000, people.count)].map(\.profile.id)
                existing.formUnion(try await importer.casebook.clients(ids).map(\.id))
            }
            for index in people.indices where existing.contains(people[index].profile.id) {
                people[index].exists = true
                let stored = try await importer.casebook.cases(ofClient: people[index].profile.id).map(\.record)
                let ids = Set(stored.map(\.id))
                for planned in people[index].cases.indices where ids.contains(people[index].cases[planned].id) {
                    people[index].cases[planned].exists = true
                }
                // A new case of a person whose case in Wegweiser is open would be refused when written.
                if let open = stored.first(where: { !$0.isClosed }),
                    let new = people[index].cases.first(where: { !$0.exists && $0.id != open.id })
                {
                    refuse(new.line, "", "client \(people[index].externalID) has an open case in Wegweiser; close it there first")
                }
            }
        }

        /// The staff member `id` if a case of the district may be assigned to them today.
        private mutating func assignee(_ id: String) async throws -> StaffMember.Profile? {
            if let known = staff[id] { return known }
            var found: StaffMember.Profile?
            if let uuid = UUID(uuidString: id),
                let entry = try await importer.directory.find(.staffMember, id: uuid.uuidString, as: StaffMember.Record.self),
                entry.districtID == importer.districtID, entry.state.isActive(on: importer.today),
                [.caseWorker, .teamLead].contains(entry.state.profile.role)
            {
                found = entry.state.profile
            }
            staff[id] = found
            return found
        }

        /// The active organisation `id` of the district.
        private mutating func organisation(_ id: String) async throws -> Organisation.Record? {
            if let known = organisations[id] { return known }
            var found: Organisation.Record?
            if let uuid = UUID(uuidString: id),
                let entry = try await importer.directory.find(.organisation, id: uuid.uuidString, as: Organisation.Record.self),
                entry.districtID == importer.districtID, entry.state.active
            {
                found = entry.state
            }
            organisations[id] = found
            return found
        }

        /// `body` checked against the contract's bounds of `kind`'s operation and decoded, or
        /// `nil` with a finding per violation.
        private mutating func decoded<T: Decodable>(
            _ body: [String: JSONValue],
            _ kind: Kind,
            _ line: Int,
            as type: T.Type
        ) -> T? {
            let violations = ContractBounds.bundled.violations(ofBody: .object(body), operationID: kind.operationID)
            guard violations.isEmpty else {
                for violation in violations { refuse(line, "/body" + violation.pointer, violation.detail) }
                return nil
            }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom { decoder in
                try TimestampTranscoder().decode(try decoder.singleValueContainer().decode(String.self))
            }
            do {
                return try decoder.decode(type, from: Data(JSONValue.object(body).jsonText().utf8))
            } catch {
                refuse(line, "/body", "not a body of \(kind.operationID)")
                return nil
            }
        }

        /// What `work` returns, or `nil` with its refusal as findings.
        private mutating func attempt<T>(_ line: Int, _ work: () throws -> T) -> T? {
            do {
                return try work()
            } catch {
                refuse(line, error)
                return nil
            }
        }

        /// Records `error` (a problem or a decider's rejection) as findings on `line`.
        private mutating func refuse(_ line: Int, _ error: any Error) {
            guard let problem = (error as? Problem) ?? (error as? any ProblemConvertible)?.problem else {
                return refuse(line, "", "\(error)")
            }
            guard let errors = problem.errors, !errors.isEmpty else { return refuse(line, "", problem.detail ?? problem.title) }
            for error in errors { refuse(line, "/body" + error.pointer, error.detail) }
        }

        /// Records a finding.
        private mutating func refuse(_ line: Int, _ field: String, _ reason: String) {
            findingCount += 1
            guard findings.count < Importer.findingLimit else { return }
            findings.append(Finding(line: line, field: field, reason: reason))
        }
    }
}
