import Foundation

/// What a reader sees of an HTML page, for tests of its wording. Used by tests only.
public enum VisibleText {
    /// The page's text: styles, comments, the title and tags removed, entities decoded.
    public static func of(_ page: String) -> String {
        var text = page
        for pattern in ["(?s)<style.*?</style>", "(?s)<script.*?</script>", "(?s)<!--.*?-->", "(?s)<title>.*?</title>", "<[^>]*>"] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text
    }

    /// Words of Latin letters a reader sees. A run of letters inside a token with digits is
    /// a code ("JY1110…", a USCC or ID number ending in a letter) and not counted.
    public static func latinWords(in page: String) -> [String] {
        let tokens = of(page).split { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "*" || $0 == "-")) }
        return tokens.filter { token in token.contains { $0.isLetter } && !token.contains { $0.isNumber } }.map(String.init)
    }
}
