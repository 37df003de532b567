package org.attnlab.lesson;

import org.attnlab.viz.Displayable;
import org.attnlab.viz.Tables;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Map;

/**
 * The table that closes every lesson: what the paper found, what this run found, and at what scale each was
 * measured. The "here" column takes numbers the notebook just computed, never typed-in ones.
 *
 * <pre>{@code
 * Findings.create("Flip-flop, OOD-sparse error")
 *         .row("PaTH", "0.0001% (1 layer, d 64, 2 heads)", fmtPct(pathErr), "1 layer, d 32, 300 steps")
 * }</pre>
 */
public final class Findings implements Displayable {

    private final Table table;

    private Findings(String title) {
        table = Table.create(title,
                StringColumn.create("finding"),
                StringColumn.create("the paper"),
                StringColumn.create("here"),
                StringColumn.create("scale here"));
    }

    public static Findings create(String title) {
        return new Findings(title);
    }

    /** One finding: its name, the published number or claim, ours, and the scale ours was measured at. */
    public Findings row(String finding, String paper, String here, String scaleHere) {
        table.stringColumn(0).append(finding);
        table.stringColumn(1).append(paper);
        table.stringColumn(2).append(here);
        table.stringColumn(3).append(scaleHere);
        return this;
    }

    public Table table() {
        return table;
    }

    @Override
    public Map<String, String> mimeBundle() {
        return Tables.view(table).mimeBundle();
    }

    @Override
    public String toString() {
        return table.printAll();
    }
}
