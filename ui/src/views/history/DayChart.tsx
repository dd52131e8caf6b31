import { makeStyles, tokens } from "@fluentui/react-components";
import type { DayCount } from "../../ipc";
import { barHeight, chartScale } from "../../lib/chart";

const useStyles = makeStyles({
  wrap: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, flexShrink: 0 },
  legend: { display: "flex", gap: tokens.spacingHorizontalL, fontSize: tokens.fontSizeBase200 },
  swatch: { display: "inline-block", width: "10px", height: "10px", marginRight: "4px" },
  svg: { width: "100%", height: "170px", display: "block" },
  axis: { fill: tokens.colorNeutralForeground3, fontSize: "10px" },
  grid: { stroke: tokens.colorNeutralStroke3, strokeWidth: 1 },
  iso: { fill: tokens.colorPaletteRedBackground3 },
  rel: { fill: tokens.colorBrandBackground },
});

const H = 130; // plot height
const TOP = 8;
const LEFT = 34;
const BOTTOM = 24;

/**
 * Isolations and releases per day, as pairs of bars (plain SVG, drawn from local data);
 * the days are local days (`zone` says which, e.g. "UTC+01:00").
 */
export function DayChart({ days, zone }: { days: DayCount[]; zone: string }) {
  const styles = useStyles();
  const scale = chartScale(days);
  const n = scale.days.length;
  const slot = 18; // px per day in the viewBox; the SVG stretches to the width
  const width = LEFT + Math.max(1, n) * slot + 4;
  const bar = Math.max(2, Math.floor((slot - 4) / 2));
  const labelEvery = Math.max(1, Math.ceil(n / 12));
  const y = (v: number) => TOP + H - barHeight(v, scale.max, H);
  return (
    <figure className={styles.wrap} style={{ margin: 0 }} data-testid="day-chart" data-days={n} data-max={scale.max}>
      <div className={styles.legend}>
        <span data-testid="chart-zone">Per local day ({zone})</span>
        <span>
          <span className={styles.swatch} style={{ background: tokens.colorPaletteRedBackground3 }} />
          Isolations
        </span>
        <span>
          <span className={styles.swatch} style={{ background: tokens.colorBrandBackground }} />
          Releases
        </span>
      </div>
      <svg
        className={styles.svg}
        viewBox={`0 0 ${width} ${TOP + H + BOTTOM}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Isolations and releases per local day (${zone}), ${n} days`}
      >
        {scale.ticks.map((t) => (
          <g key={t}>
            <line className={styles.grid} x1={LEFT} x2={width} y1={y(t) || TOP + H} y2={y(t) || TOP + H} />
            <text className={styles.axis} x={LEFT - 4} y={(y(t) || TOP + H) + 3} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {scale.days.map((d, i) => {
          const x = LEFT + i * slot + 2;
          return (
            <g key={d.day} data-testid="chart-day" data-day={d.day} data-isolations={d.isolations} data-releases={d.releases}>
              <title>{`${d.day} (${zone}): ${d.isolations} isolations, ${d.releases} releases`}</title>
              <rect className={styles.iso} x={x} y={y(d.isolations)} width={bar} height={barHeight(d.isolations, scale.max, H)} />
              <rect className={styles.rel} x={x + bar} y={y(d.releases)} width={bar} height={barHeight(d.releases, scale.max, H)} />
              {i % labelEvery === 0 && (
                <text className={styles.axis} x={x + bar} y={TOP + H + 14} textAnchor="middle">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
