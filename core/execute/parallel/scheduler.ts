/**
 * Block-STM collaborative scheduler (Gelashvili et al. 2022, §4, Algorithms 4–5): two shared
 * indices, `execution_idx` and `validation_idx`, hand out the lowest transaction needing each
 * kind of task; every transaction has an incarnation number and a status; a transaction that
 * read an ESTIMATE is suspended on its blocking transaction and resumed (next incarnation)
 * when that one finishes executing.
 *
 * Here one coordinator thread drives it for all workers, so the paper's atomics are plain
 * fields; `decrease_cnt` and `num_active_tasks` are kept for the paper's done condition, which
 * the coordinator checks alongside its in-order commit.
 */

export enum TxStatus {
  ReadyToExecute = 'ready',
  Executing = 'executing',
  Executed = 'executed',
  Aborting = 'aborting',
}

export interface Version {
  txIdx: number
  incarnation: number
}

export type Task = { kind: 'execute'; version: Version } | { kind: 'validate'; version: Version }

export class SchedulerError extends Error {
  override name = 'SchedulerError'
}

export class Scheduler {
  executionIdx = 0
  validationIdx = 0
  decreaseCnt = 0
  numActiveTasks = 0
  doneMarker = false
  private readonly incarnation: number[]
  private readonly status: TxStatus[]
  /** `txn_dependency`: transactions suspended on each transaction. */
  private readonly dependencies: Array<Set<number>>

  constructor(readonly blockSize: number) {
    this.incarnation = new Array<number>(blockSize).fill(0)
    this.status = new Array<TxStatus>(blockSize).fill(TxStatus.ReadyToExecute)
    this.dependencies = Array.from({ length: blockSize }, () => new Set<number>())
  }

  statusOf(txIdx: number): { incarnation: number; status: TxStatus } {
    return { incarnation: this.incarnation[txIdx]!, status: this.status[txIdx]! }
  }

  private decreaseExecutionIdx(target: number): void {
    this.executionIdx = Math.min(this.executionIdx, target)
    this.decreaseCnt++
  }

  decreaseValidationIdx(target: number): void {
    this.validationIdx = Math.min(this.validationIdx, target)
    this.decreaseCnt++
  }

  /** The paper's `check_done`. */
  checkDone(): boolean {
    if (Math.min(this.executionIdx, this.validationIdx) >= this.blockSize && this.numActiveTasks === 0) {
      this.doneMarker = true
    }
    return this.doneMarker
  }

  /** `try_incarnate`: READY_TO_EXECUTE → EXECUTING, handing out the version. */
  private tryIncarnate(txIdx: number): Version | null {
    if (txIdx < this.blockSize && this.status[txIdx] === TxStatus.ReadyToExecute) {
      this.status[txIdx] = TxStatus.Executing
      return { txIdx, incarnation: this.incarnation[txIdx]! }
    }
    this.numActiveTasks--
    return null
  }

  /** `next_version_to_execute`. */
  nextVersionToExecute(): Version | null {
    if (this.executionIdx >= this.blockSize) {
      this.checkDone()
      return null
    }
    this.numActiveTasks++
    return this.tryIncarnate(this.executionIdx++)
  }

  /** `next_version_to_validate`. */
  nextVersionToValidate(): Version | null {
    if (this.validationIdx >= this.blockSize) {
      this.checkDone()
      return null
    }
    this.numActiveTasks++
    const idx = this.validationIdx++
    if (this.status[idx] === TxStatus.Executed) return { txIdx: idx, incarnation: this.incarnation[idx]! }
    this.numActiveTasks--
    return null
  }

  /** Whether a validation task should be preferred now (`validation_idx < execution_idx`). */
  validationPending(): boolean {
    return this.validationIdx < this.executionIdx && this.validationIdx < this.blockSize
  }

  executionPending(): boolean {
    return this.executionIdx < this.blockSize
  }

  /**
   * `add_dependency`: the transaction read an ESTIMATE of `blocking`. False when `blocking`
   * has meanwhile finished executing (then the caller re-executes right away).
   */
  addDependency(txIdx: number, blocking: number): boolean {
    if (this.status[blocking] === TxStatus.Executed) return false
    this.status[txIdx] = TxStatus.Aborting
    this.dependencies[blocking]!.add(txIdx)
    this.numActiveTasks--
    return true
  }

  /** `set_ready_status`: next incarnation, READY_TO_EXECUTE. */
  private setReadyStatus(txIdx: number): void {
    this.incarnation[txIdx]!++
    this.status[txIdx] = TxStatus.ReadyToExecute
  }

  /** `resume_dependencies`. */
  private resumeDependencies(dependents: number[]): void {
    if (dependents.length === 0) return
    for (const d of dependents) this.setReadyStatus(d)
    this.decreaseExecutionIdx(Math.min(...dependents))
  }

  /** `finish_execution`: may hand back the validation of the same version. */
  finishExecution(txIdx: number, incarnation: number, wroteNewLocation: boolean): Task | null {
    if (this.status[txIdx] !== TxStatus.Executing || this.incarnation[txIdx] !== incarnation) {
      throw new SchedulerError(`finish_execution of tx ${txIdx}.${incarnation} in state ${this.status[txIdx]}.${this.incarnation[txIdx]}`)
    }
    this.status[txIdx] = TxStatus.Executed
    const dependents = [...this.dependencies[txIdx]!]
    this.dependencies[txIdx]!.clear()
    this.resumeDependencies(dependents)
    if (this.validationIdx > txIdx) {
      if (wroteNewLocation) this.decreaseValidationIdx(txIdx)
      else return { kind: 'validate', version: { txIdx, incarnation } }
    }
    this.numActiveTasks--
    return null
  }

  /** `try_validation_abort`: only the first failed validation of an incarnation aborts it. */
  tryValidationAbort(txIdx: number, incarnation: number): boolean {
    if (this.incarnation[txIdx] === incarnation && this.status[txIdx] === TxStatus.Executed) {
      this.status[txIdx] = TxStatus.Aborting
      return true
    }
    return false
  }

  /** `finish_validation`: after an abort, may hand back the re-execution. */
  finishValidation(txIdx: number, aborted: boolean): Task | null {
    if (aborted) {
      this.setReadyStatus(txIdx)
      this.decreaseValidationIdx(txIdx + 1)
      if (this.executionIdx > txIdx) {
        const v = this.tryIncarnate(txIdx)
        if (v) return { kind: 'execute', version: v }
        return null
      }
    }
    this.numActiveTasks--
    return null
  }
}
