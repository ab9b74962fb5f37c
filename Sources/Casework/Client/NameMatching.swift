public import Foundation

/// How names are compared when people are searched for: tolerant of case, accents, the German
/// spellings of umlauts (`ö`/`oe`) and the many transliterations of Arabic, Persian, Kurdish
/// and Slavic names into Latin letters ("Mohammad", "Mohammed", "Muhammad").
///
/// Two forms per name part: the *folded* form (lower case, umlauts spelt out, accents dropped,
/// only letters and digits), which matches the same spelling, and the *phonetic* form (the
/// Cologne phonetics, "Kölner Phonetik", built for German names), which matches spellings
/// that sound alike. A search asks for the phonetic form of each part it names.
public enum NameMatching {
    /// The parts of a name: split at spaces, hyphens, apostrophes and dots, folded, each at
    /// least one character; at most 10.
    public static func parts(_ name: String) -> [String] {
        let separators = CharacterSet(charactersIn: " -'’.,/\t\n")
        return Array(name.components(separatedBy: separators).map(folded).filter { !$0.isEmpty }.prefix(10))
    }

    /// `text` folded: lower case, `ä ö ü ß` spelt `ae oe ue ss`, other accents dropped, and
    /// nothing but the letters a–z and digits kept.
    public static func folded(_ text: String) -> String {
        var spelt = text.lowercased()
        for (umlaut, spelling) in [("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")] {
            spelt = spelt.replacingOccurrences(of: umlaut, with: spelling)
        }
        let plain = spelt.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return String(
            String.UnicodeScalarView(plain.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        )
    }

    /// The Cologne phonetic code of a folded name part: digits for sounds, vowels dropped but
    /// at the start, repeated sounds once. "mohammed", "muhammad" and "mohamad" all give "662";
    /// "mueller" and "muller" both "657". Empty for a part without letters.
    public static func phonetic(_ folded: String) -> String {
        let letters = Array(folded.filter { ("a"..."z").contains($0) })
        var codes: [Character] = []
        for (index, letter) in letters.enumerated() {
            let previous = index > 0 ? letters[index - 1] : nil
            let next = index + 1 < letters.count ? letters[index + 1] : nil
            codes.append(contentsOf: code(of: letter, after: previous, before: next, first: index == 0))
        }
        var collapsed: [Character] = []
        for code in codes where collapsed.last != code { collapsed.append(code) }
        return String(collapsed.enumerated().filter { $0.offset == 0 || $0.element != "0" }.map(\.element))
    }

    /// The Cologne phonetics' code of `letter` in its context ("" for h, and for letters it
    /// does not code).
    private static func code(of letter: Character, after previous: Character?, before next: Character?, first: Bool) -> String {
        switch letter {
        case "a", "e", "i", "j", "o", "u", "y": return "0"
        case "h": return ""
        case "b": return "1"
        case "p": return next == "h" ? "3" : "1"
        case "d", "t": return next.map { "csz".contains($0) } == true ? "8" : "2"
        case "f", "v", "w": return "3"
        case "g", "k", "q": return "4"
        case "c":
            if first { return next.map { "ahkloqrux".contains($0) } == true ? "4" : "8" }
            if previous.map({ "sz".contains($0) }) == true { return "8" }
            return next.map { "ahkoqux".contains($0) } == true ? "4" : "8"
        case "x": return previous.map { "ckq".contains($0) } == true ? "8" : "48"
        case "l": return "5"
        case "m", "n": return "6"
        case "r": return "7"
        case "s", "z": return "8"
        default: return ""
        }
    }
}
