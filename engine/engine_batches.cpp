// The Engine's batch side (engine.h): check a batch and record each verdict on its case; pass
// the cases whose check passed.
#include "engine/engine.h"

#include "engine/internal/patience.h"

namespace keydesk {

Result<BatchRun> Engine::verify_batch(const BatchOptions& options, const Actor& actor,
                                      bool open_missing) {
  auto report = run_batch(options);
  if (!report) return report.error();
  BatchRun run;
  // The verdicts are kept through an outage of the database as the batch's own reads are.
  const internal::Patience patience = internal::patience_of(options);
  run.links = record_batch_checks(store_, *report, rules_dir_, counter_, actor, open_missing,
                                  options.report_dir, &patience);
  run.report = std::move(report).value();
  return run;
}

std::vector<PassOutcome> Engine::pass_clean(const std::vector<std::string>& case_ids,
                                            const Actor& actor, const std::string& at) {
  std::vector<PassOutcome> out;
  for (const std::string& id : case_ids) {
    PassOutcome r;
    r.case_id = id;
    auto loaded = visible_case(id, actor);
    const ActionRule* action = nullptr;
    if (!loaded) {
      r.error = loaded.error();
    } else if (!(action = Workflow::passing_action(*loaded->procedure, loaded->record.state,
                                                   actor.role))) {
      const StateRule* st = loaded->procedure->state(loaded->record.state);
      r.error = error_of(ErrorKind::refused,
                         "案件 " + id + " 当前为“" + (st ? st->title : loaded->record.state) +
                             "”，没有可一键通过的操作，请在案件页办理 (nothing to pass in state " +
                             loaded->record.state + ")");
    } else {
      ActionRequest request;
      request.action = action->id;
      request.actor = actor;
      request.expected_version = loaded->record.version;
      auto done = act(id, std::move(request), at);
      if (done) {
        r.action = action->id;
        r.state = done->state;
        if (const StateRule* st = loaded->procedure->state(done->state)) r.state_title = st->title;
      } else {
        r.error = done.error();
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace keydesk
