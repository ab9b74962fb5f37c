/// The key figures of one scope for one period and cut-off, grouped by one
/// ``ReportDefinition``: sections of labelled rows, in a fixed order, with no personal data.
/// JSON, CSV and the printed page are renderings of this one value.
public struct KeyFigureReport: Sendable, Equatable, Codable {
    /// One figure.
    public struct Row: Sendable, Equatable, Codable {
        /// The row's stable key within its section (a code, a band, `total`, `declined`, …).
        public var key: String
        /// The German label.
        public var de: String
        /// The English label.
        public var en: String
        /// How many; `nil` where suppressed.
        public var count: Int?
        /// Minutes (consultations) or months (extensions) together; `nil` where not counted or
        /// suppressed.
        public var amount: Int?
        /// Whether the count was withheld because it is below the threshold.
        public var suppressed: Bool

        /// A row.
        public init(key: String, de: String, en: String, count: Int?, amount: Int? = nil, suppressed: Bool = false) {
            self.key = key
            self.de = de
            self.en = en
            self.count = count
            self.amount = amount
            self.suppressed = suppressed
        }
    }

    /// A group of rows: one measure or one breakdown.
    public struct Section: Sendable, Equatable, Codable {
        /// The section's stable key.
        public var key: String
        /// The German title.
        public var de: String
        /// The English title.
        public var en: String
        /// Whether its rows count people on the cut-off day (a breakdown) rather than facts in
        /// the period.
        public var onCutOff: Bool
        /// The rows, in order.
        public var rows: [Row]
    }

    /// The definition's version.
    public var definition: String
    /// The first day of the period.
    public var from: CalendarDate
    /// The last day of the period.
    public var to: CalendarDate
    /// The cut-off day of the breakdowns.
    public var asOf: CalendarDate
    /// The sections, in order.
    public var sections: [Section]

    /// The report of `counts` under `definition`.
    public init(counts: KeyFigureCounts, definition: ReportDefinition, from: CalendarDate, to: CalendarDate, asOf: CalendarDate) {
        self.definition = definition.version
        self.from = from
        self.to = to
        self.asOf = asOf
        let builder = Builder(counts: counts, definition: definition, asOf: asOf)
        sections = builder.sections()
    }

    /// The report for readers who may not see individuals: every count from 1 to
    /// `threshold - 1` withheld (and its amount), zero shown (it identifies nobody). Where a
    /// section would withhold a single row, its total and the other rows would give it back:
    /// the smallest other non-zero row is withheld as well. Citizenships too rare to show are
    /// counted under `other`, so that no row names a country only a few people have.
    public func suppressed(below threshold: Int) -> KeyFigureReport {
        var report = self
        for index in report.sections.indices {
            if report.sections[index].key == "citizenship" {
                report.sections[index].rows = Self.foldRareCountries(report.sections[index].rows, below: threshold)
            }
            report.sections[index].rows = Self.suppressed(report.sections[index].rows, below: threshold)
        }
        return report
    }

    /// Country rows of a citizenship section below `threshold` counted under `other`.
    private static func foldRareCountries(_ rows: [Row], below threshold: Int) -> [Row] {
        let fixed: Set<String> = ["other", "stateless", "unclear", "declined", "not_asked", "never_recorded"]
        let rare = rows.filter { !fixed.contains($0.key) && ($0.count ?? 0) < threshold }
        let moved = rare.reduce(0) { $0 + ($1.count ?? 0) }
        return rows.compactMap { row in
            if rare.contains(where: { $0.key == row.key }) { return nil }
            guard row.key == "other" else { return row }
            var other = row
            other.count = (row.count ?? 0) + moved
            return other
        }
    }
}

extension KeyFigureReport {
    /// The rows of one observation field for `people` people with `answers` (their latest
    /// answer each): its bands (where `definition` has them) or its codes, then declined, not
    /// asked, unknown and never recorded (the people without any answer).
    public static func answerRows(
        _ field: ObservationField,
        _ answers: [KeyFigureCounts.Answers],
        people: Int,
        definition: ReportDefinition
    ) -> [Row] {
        func count(_ matches: (ObservationValue) -> Bool) -> Int {
            answers.filter { matches($0.answer) }.reduce(0) { $0 + $1.count }
        }
        var rows: [Row] = []
        if let bands = definition.bands(of: field.rawValue) {
            for band in bands {
                let inBand = count { if case .value(let code) = $0 { band.codes.contains(code) } else { false } }
                rows.append(Row(key: band.key, de: band.de, en: band.en, count: inBand))
            }
        } else {
            let entries = CodeLists.all.first { $0.name == field.rawValue }?.entries ?? []
            for entry in entries {
                rows.append(Row(key: entry.code, de: entry.german, en: entry.english, count: count { $0 == .value(entry.code) }))
            }
        }
        let answered = answers.reduce(0) { $0 + $1.count }
        rows.append(Row(key: "declined", de: "keine Angabe (verweigert)", en: "declined", count: count { $0 == .declined }))
        rows.append(Row(key: "not_asked", de: "nicht erfragt", en: "not asked", count: count { $0 == .notAsked }))
        rows.append(Row(key: "unknown", de: "unbekannt", en: "unknown", count: count { $0 == .unknown }))
        rows.append(Row(key: "never_recorded", de: "nie erfasst", en: "never recorded", count: max(people - answered, 0)))
        return rows
    }

    /// `rows` with every count from 1 to `threshold - 1` withheld (and its amount); where that
    /// withholds exactly one row, the smallest other non-zero row (not a total) as well.
    static func suppressed(_ rows: [Row], below threshold: Int) -> [Row] {
        func withhold(_ row: inout Row) {
            row.count = nil
            row.amount = nil
            row.suppressed = true
        }
        var rows = rows
        for index in rows.indices where (rows[index].count ?? 0) > 0 && (rows[index].count ?? 0) < threshold {
            withhold(&rows[index])
        }
        if rows.filter(\.suppressed).count == 1 {
            let candidates = rows.indices.filter { !rows[$0].suppressed && (rows[$0].count ?? 0) > 0 && rows[$0].key != "total" }
            if let smallest = candidates.min(by: { (rows[$0].count ?? 0) < (rows[$1].count ?? 0) }) { withhold(&rows[smallest]) }
        }
        return rows
    }
}

/// Builds the sections; each breakdown ends with the three kinds of no answer and "never
/// recorded", always shown, each apart.
private struct Builder {
    let counts: KeyFigureCounts
    let definition: ReportDefinition
    let asOf: CalendarDate

    func sections() -> [KeyFigureReport.Section] {
        [
            section(
                "people",
                "Personen",
                "people",
                rows: [
                    row(
                        "in_counselling",
                        "in Begleitung am Stichtag",
                        "in counselling on the cut-off day",
                        counts.peopleInCounselling
                    ),
                    row("counselled", "im Zeitraum beraten", "counselled in the period", counts.peopleCounselled),
                ]
            ),
            byCode("cases_opened", "Fälle eröffnet", "cases opened", kind: .caseOpened, list: CaseOpening.self),
            closures(),
            section(
                "casework",
                "Begleitung",
                "casework",
                rows: [
                    row("assessments", "Clearinggespräche", "assessment interviews", total(.assessment)),
                    row("plans_agreed", "Integrationspläne vereinbart", "integration plans agreed", total(.planAgreed)),
                    row(
                        "plans_reviewed",
                        "Integrationspläne fortgeschrieben",
                        "integration plans reviewed",
                        total(.planReviewed)
                    ),
                    row("periods_started", "Begleitzeiträume begonnen", "counselling periods started", total(.periodStarted)),
                    row(
                        "periods_extended",
                        "Begleitzeiträume verlängert",
                        "counselling periods extended",
                        total(.periodExtended)
                    ),
                ]
            ),
            byCode(
                "period_extensions",
                "Verlängerungen nach Grund",
                "extensions by reason",
                kind: .periodExtended,
                list: ExtensionReason.self,
                amounts: true
            ),
            byCode("goals_agreed", "Ziele vereinbart", "goals agreed", kind: .goalAgreed, list: LifeArea.self),
            goals("goals_achieved", "Ziele erreicht", "goals achieved", statuses: definition.achievedGoalStatuses),
            goals("goals_ended", "Ziele abgeschlossen", "goals ended", statuses: definition.endedGoalStatuses),
            byCode(
                "consultations",
                "Beratungen nach Ort (Minuten)",
                "consultations by place (minutes)",
                kind: .consultation,
                list: ConsultationPlace.self,
                amounts: true
            ),
            byCode("referrals", "Vermittlungen nach Stelle", "referrals by target", kind: .referral, list: ReferralTarget.self),
            referralOutcomes(),
            profileBreakdown("target_group", "Zielgruppe", "target group", list: TargetGroup.self) { $0.targetGroup },
            citizenships(),
            profileBreakdown("gender", "Geschlecht", "gender", list: Gender.self) { $0.gender },
            ageGroups(),
            answers(.housing),
            answers(.germanLevel),
            answers(.benefits),
            answers(.employment),
            answers(.residenceStatus),
        ]
    }

    // MARK: Facts in the period

    private func facts(_ kind: FactKind) -> [KeyFigureCounts.Facts] {
        counts.facts.filter { $0.kind == kind }
    }

    private func total(_ kind: FactKind) -> Int {
        facts(kind).reduce(0) { $0 + $1.count }
    }

    private func byCode<List: CodeList>(
        _ key: String,
        _ de: String,
        _ en: String,
        kind: FactKind,
        list: List.Type,
        amounts: Bool = false
    ) -> KeyFigureReport.Section {
        let found = facts(kind)
        var rows = [
            row(
                "total",
                "insgesamt",
                "total",
                found.reduce(0) { $0 + $1.count },
                amount: amounts ? found.reduce(0) { $0 + $1.amount } : nil
            )
        ]
        for code in List.allCases {
            let matching = found.filter { $0.key == code.code }
            rows.append(
                row(
                    code.code,
                    code.germanLabel,
                    code.englishLabel,
                    matching.reduce(0) { $0 + $1.count },
                    amount: amounts ? matching.reduce(0) { $0 + $1.amount } : nil
                )
            )
        }
        return section(key, de, en, rows: rows)
    }

    private func closures() -> KeyFigureReport.Section {
        var closed = byCode("cases_closed", "Fälle abgeschlossen", "cases closed", kind: .caseClosed, list: ClosureReason.self)
        let reached = facts(.caseClosed).filter { definition.goalsReachedClosureReasons.contains($0.key) }
        closed.rows.insert(
            row("goals_reached", "davon Ziele erreicht", "of which goals reached", reached.reduce(0) { $0 + $1.count }),
            at: 1
        )
        return closed
    }

    private func goals(_ key: String, _ de: String, _ en: String, statuses: [String]) -> KeyFigureReport.Section {
        let changes = facts(.goalStatus).filter { statuses.contains($0.value) }
        var rows = [row("total", "insgesamt", "total", changes.reduce(0) { $0 + $1.count })]
        for area in LifeArea.allCases {
            rows.append(
                row(
                    area.code,
                    area.germanLabel,
                    area.englishLabel,
                    changes.filter { $0.key == area.code }.reduce(0) { $0 + $1.count }
                )
            )
        }
        return section(key, de, en, rows: rows)
    }

    private func referralOutcomes() -> KeyFigureReport.Section {
        let outcomes = facts(.referralOutcome)
        var rows = [row("total", "insgesamt", "total", outcomes.reduce(0) { $0 + $1.count })]
        for outcome in ReferralOutcome.allCases {
            rows.append(
                row(
                    outcome.code,
                    outcome.germanLabel,
                    outcome.englishLabel,
                    outcomes.filter { $0.value == outcome.code }.reduce(0) { $0 + $1.count }
                )
            )
        }
        return section("referral_outcomes", "Ergebnisse von Vermittlungen", "referral outcomes", rows: rows)
    }

    // MARK: People on the cut-off day

    private func profileBreakdown<List: CodeList>(
        _ key: String,
        _ de: String,
        _ en: String,
        list: List.Type,
        value: (KeyFigureCounts.Profiles) -> String?
    ) -> KeyFigureReport.Section {
        var rows: [KeyFigureReport.Row] = []
        for code in List.allCases {
            rows.append(row(code.code, code.germanLabel, code.englishLabel, people { value($0) == code.code }))
        }
        rows.append(neverRecorded(people { value($0) == nil }))
        return section(key, de, en, onCutOff: true, rows: rows)
    }

    private func citizenships() -> KeyFigureReport.Section {
        let named = counts.profiles.filter { ($0.citizenshipStatus ?? "known") == "known" && $0.citizenship != nil }
        let byCountry = Dictionary(grouping: named) { $0.citizenship ?? "" }.mapValues { $0.reduce(0) { $0 + $1.count } }
        let ranked = byCountry.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let top = ranked.prefix(max(definition.citizenshipTop, 0))
        var rows = top.map { row($0.key, $0.key, $0.key, $0.value) }
        rows.append(row("other", "andere", "other", ranked.dropFirst(top.count).reduce(0) { $0 + $1.value }))
        rows.append(row("stateless", "staatenlos", "stateless", people { $0.citizenshipStatus == "stateless" }))
        rows.append(row("unclear", "ungeklärt", "unclear", people { $0.citizenshipStatus == "unclear" }))
        rows.append(row("declined", "keine Angabe (verweigert)", "declined", people { $0.citizenshipStatus == "declined" }))
        rows.append(row("not_asked", "nicht erfragt", "not asked", people { $0.citizenshipStatus == "not_asked" }))
        rows.append(neverRecorded(people { $0.citizenshipStatus == nil && $0.citizenship == nil }))
        return section("citizenship", "Staatsangehörigkeit", "citizenship", onCutOff: true, rows: rows)
    }

    private func ageGroups() -> KeyFigureReport.Section {
        var rows: [KeyFigureReport.Row] = []
        for group in definition.ageGroups {
            rows.append(
                row(
                    group.key,
                    group.de,
                    group.en,
                    people { profile in
                        guard let year = profile.yearOfBirth else { return false }
                        return (group.from...max(group.from, group.to)).contains(asOf.year - year)
                    }
                )
            )
        }
        rows.append(neverRecorded(people { $0.yearOfBirth == nil }))
        return section("age_group", "Altersgruppe", "age group", onCutOff: true, rows: rows)
    }

    private func people(where matches: (KeyFigureCounts.Profiles) -> Bool) -> Int {
        counts.profiles.filter(matches).reduce(0) { $0 + $1.count }
    }

    /// One observation field's section of the people on the cut-off day.
    private func answers(_ field: ObservationField) -> KeyFigureReport.Section {
        section(
            field.rawValue,
            field.germanLabel,
            field.englishLabel,
            onCutOff: true,
            rows: KeyFigureReport.answerRows(
                field,
                counts.answers.filter { $0.field == field.rawValue },
                people: counts.peopleInCounselling,
                definition: definition
            )
        )
    }

    // MARK: Building blocks

    private func neverRecorded(_ count: Int) -> KeyFigureReport.Row {
        row("never_recorded", "nie erfasst", "never recorded", count)
    }

    private func row(_ key: String, _ de: String, _ en: String, _ count: Int, amount: Int? = nil) -> KeyFigureReport.Row {
        KeyFigureReport.Row(key: key, de: de, en: en, count: count, amount: amount)
    }

    private func section(
        _ key: String,
        _ de: String,
        _ en: String,
        onCutOff: Bool = false,
        rows: [KeyFigureReport.Row]
    ) -> KeyFigureReport.Section {
        KeyFigureReport.Section(key: key, de: de, en: en, onCutOff: onCutOff, rows: rows)
    }
}
