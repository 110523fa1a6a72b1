import type { Report } from '../core/report.js';

const LEVEL = { blocker: 'error', warning: 'warning', notice: 'note' } as const;

/** SARIF 2.1.0, one result per finding, for GitHub code scanning. */
export function renderSarif(report: Report): string {
  const ruleIds = [...new Set(report.findings.map((f) => f.rule))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'schemagate',
            version: report.tool.version,
            informationUri: 'https://github.com/schemagate/schemagate',
            rules: ruleIds.map((id) => {
              const f = report.findings.find((x) => x.rule === id)!;
              return {
                id,
                name: id,
                shortDescription: { text: `${f.gate}: ${id}` },
                helpUri: f.docs,
                properties: { gate: f.gate },
              };
            }),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          level: LEVEL[f.severity],
          message: { text: f.help ? `${f.message} ${f.help}` : f.message },
          ...(f.file
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: f.file },
                      ...(f.line
                        ? { region: { startLine: f.line, endLine: f.endLine ?? f.line } }
                        : {}),
                    },
                  },
                ],
              }
            : {}),
          properties: {
            gate: f.gate,
            severity: f.severity,
            ...(f.tenant ? { tenant: f.tenant } : {}),
            ...(f.tenants ? { tenants: f.tenants } : {}),
          },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
