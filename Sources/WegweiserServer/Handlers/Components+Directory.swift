import Casework
import Foundation
import WegweiserAPI

extension UUID {
    /// The lowercase form the API writes.
    var apiString: String { uuidString.lowercased() }
}

extension Components.Schemas.District {
    /// The wire form of a district.
    init(_ record: District.Record) {
        self.init(id: record.id, name: record.name, active: record.active)
    }
}

extension Components.Schemas.Organisation {
    /// The wire form of an organisation.
    init(_ record: Organisation.Record) {
        self.init(
            id: record.id.apiString,
            districtId: record.districtID,
            name: record.name,
            kind: .init(rawValue: record.kind.rawValue) ?? .other,
            active: record.active
        )
    }
}

extension Components.Schemas.Team {
    /// The wire form of a team.
    init(_ record: Team.Record) {
        self.init(
            id: record.id.apiString,
            districtId: record.districtID,
            organisationId: record.organisationID.apiString,
            name: record.name,
            leadId: record.leadID?.apiString,
            active: record.active
        )
    }
}

extension Components.Schemas.StaffMember {
    /// The wire form of a staff member on `today`.
    init(_ record: StaffMember.Record, today: CalendarDate) {
        let profile = record.profile
        self.init(
            id: profile.id.apiString,
            districtId: profile.districtID,
            organisationId: profile.organisationID.apiString,
            teamId: profile.teamID?.apiString,
            name: profile.name,
            role: .init(profile.role),
            fullTimeEquivalent: profile.fullTimeEquivalent,
            activeFrom: profile.activeFrom.description,
            activeUntil: profile.activeUntil?.description,
            subject: profile.subject,
            active: record.isActive(on: today)
        )
    }
}

extension Components.Schemas.Role {
    /// The wire form of a role.
    init(_ role: StaffRole) {
        // The spec's enum lists every StaffRole; a test keeps them equal.
        self = .init(rawValue: role.rawValue) ?? .caseWorker
    }
}

extension Components.Schemas.Substitution {
    /// The wire form of a grant, with whether it is in force at `now`.
    init(_ record: Substitution.Record, now: Date) {
        let grant = record.grant
        self.init(
            id: grant.id.apiString,
            districtId: grant.districtID,
            teamId: grant.teamID.apiString,
            absentId: grant.absentID.apiString,
            substituteId: grant.substituteID.apiString,
            from: grant.from,
            until: grant.until,
            reason: grant.reason,
            grantedBy: grant.grantedBy.apiString,
            revokedAt: record.revokedAt,
            revokedBy: record.revokedBy?.apiString,
            active: record.isActive(at: now)
        )
    }
}
