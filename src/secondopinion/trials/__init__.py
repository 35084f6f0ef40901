"""Clinical trials: records (ClinicalTrials.gov v2, legacy XML, MatchMiner CTML), eligibility
criteria parsed into typed checks, and criterion-by-criterion matching against a case."""
