/// Where a client lives: the official municipality key (*Amtlicher Gemeindeschlüssel*, AGS),
/// eight digits: the Land (`08` for Baden-Württemberg), the administrative region, the
/// district and the municipality. A district's own key is the first five digits, so a client
/// of district `08337` lives in a municipality `08337…`. Names are carried for the
/// districts of the demo; a well-formed key of the client's district is accepted without a
/// name (a merger or a district this table does not list yet).
public enum Municipalities {
    /// The list's stable name.
    public static let listName = "municipality"

    /// Official names by key: the 32 municipalities of the Landkreis Waldshut, and the
    /// university town of Tübingen.
    public static let names: [String: String] = [
        "08337002": "Albbruck", "08337013": "Bernau im Schwarzwald", "08337022": "Bonndorf im Schwarzwald",
        "08337027": "Dachsberg (Südschwarzwald)", "08337030": "Dettighofen", "08337032": "Dogern",
        "08337038": "Görwihl", "08337039": "Grafenhausen", "08337045": "Häusern", "08337049": "Herrischried",
        "08337051": "Höchenschwand", "08337053": "Hohentengen am Hochrhein", "08337059": "Ibach",
        "08337060": "Jestetten", "08337062": "Klettgau", "08337065": "Lauchringen", "08337066": "Laufenburg (Baden)",
        "08337070": "Lottstetten", "08337076": "Murg", "08337090": "Rickenbach", "08337096": "Bad Säckingen",
        "08337097": "St. Blasien", "08337106": "Stühlingen", "08337108": "Todtmoos", "08337116": "Wehr",
        "08337118": "Weilheim", "08337123": "Wutöschingen", "08337124": "Eggingen", "08337125": "Küssaberg",
        "08337126": "Waldshut-Tiengen", "08337127": "Wutach", "08337128": "Ühlingen-Birkendorf",
        "08416041": "Tübingen",
    ]

    /// Whether `key` is eight digits and lies in the district `districtID` (when that is a
    /// five-digit district key; other district ids are not checked against).
    public static func isKey(_ key: String, inDistrict districtID: String) -> Bool {
        let digits = { (text: String) in text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        guard key.count == 8, digits(key) else { return false }
        guard districtID.count == 5, digits(districtID) else { return true }
        return key.hasPrefix(districtID)
    }
}

/// What is known of a client's citizenship, besides the countries: the states the papers
/// report apart from a country, and the kinds of "no answer", never counted as empty.
public enum CitizenshipStatus: String, TabulatedCodeList {
    case known, stateless, unclear, declined
    case notAsked = "not_asked"

    /// The list's stable name.
    public static let listName = "citizenship_status"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .known: ("Staatsangehörigkeit(en) bekannt", "citizenship(s) known"), .stateless: ("staatenlos", "stateless"),
        .unclear: ("ungeklärt", "unclear"), .declined: ("keine Angabe (verweigert)", "declined to answer"),
        .notAsked: ("nicht erfragt", "not asked"),
    ]
}
