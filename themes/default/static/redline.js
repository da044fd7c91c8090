// Placeholder: the compare page's redlines in the browser (being written).
