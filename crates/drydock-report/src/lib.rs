//! Renders drydock findings: human, JSON, SARIF, JUnit, GitHub annotations, Checkstyle.
