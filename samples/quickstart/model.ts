// The model of dataClay's user-guide walk-through: a company and its employees.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class Employee extends DataClayObject {
  name: string;
  salary: number;

  constructor(name: string, salary: number) {
    super();
    this.name = name;
    this.salary = salary;
  }

  /** Pay for a week: hours over 40 are paid at the same hourly rate. Runs on the backend that holds the employee. */
  @activemethod
  async getPayroll(hoursWorked: number): Promise<number> {
    const overtime = Math.max(0, hoursWorked - 40);
    return this.salary + overtime * (this.salary / 40);
  }
}

@persistent
export class Company extends DataClayObject {
  name: string;
  employees: Employee[];

  constructor(name: string, ...employees: Employee[]) {
    super();
    this.name = name;
    this.employees = employees;
  }

  /** Total payroll, computed where the company lives: employees elsewhere are called from there. */
  @activemethod
  async totalPayroll(hoursWorked: number): Promise<number> {
    const pays = await Promise.all(this.employees.map((e) => e.getPayroll(hoursWorked)));
    return pays.reduce((a, b) => a + b, 0);
  }

  @activemethod
  async hire(employee: Employee): Promise<number> {
    this.employees = [...this.employees, employee];
    return this.employees.length;
  }
}
