namespace PatroniHa; internal static class Placeholder {}
